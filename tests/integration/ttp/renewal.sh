#!/usr/bin/env bash
# Renewal without a token (issue 16; docs/TTP.md, "Renewal"), with the real daemons on loopback:
#   BIN=build/bin tests/integration/ttp/renewal.sh
# The TTP gives banks and customers certificates of one minute (--bank-validity-minutes,
# --customer-validity-minutes, for tests); then:
#   - a customer completes the OTP flow with the bank;
#   - the bank renews its certificate by itself at two thirds of its lifetime (no restart, no
#     token), and `ttp list` shows the new certificate linked to the old one;
#   - the customer's device keeps receiving codes, and new channels (transfer, confirm, a new
#     customer) accept the bank's renewed certificate and staple;
#   - the customer's device renews its own certificate, replaces its channel, and the flow
#     still works;
#   - `client renew` gives a customer a new certificate for a new key, linked in `ttp list`;
#   - once that certificate is revoked, `client renew` is refused with certificate-revoked.
# Prints PASS/FAIL lines and "N passed, M failed"; exits non-zero when a check fails. No timing
# assertions: every wait is bounded and polls for the event.
set -uo pipefail
trap "" PIPE
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT" || exit 1
BIN=${BIN:-build/bin}
source scripts/lib.sh


WORK=$(mktemp -d /tmp/sc-renewal.XXXXXX)
[[ -n ${KEEP_WORK:-} ]] && echo "work folder: $WORK"
trap 'stop_daemons; [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"' EXIT
CERTS=$WORK/certs

start_daemon ttp "$WORK/ttp.log" "$WORK/ttp.port" "$BIN/ttp" serve --certs-dir "$CERTS/ttp" \
  --listen 127.0.0.1:0 --port-file "$WORK/ttp.port" --bank-validity-minutes 1 \
  --customer-validity-minutes 1 --ocsp-validity 30 || {
  fail "the TTP did not start"
  finish
}
TTP_PORT=$DAEMON_PORT
FINGERPRINT=$(cat "$CERTS/ttp/ca.fingerprint")
token() { "$BIN/ttp" token create --certs-dir "$CERTS/ttp" "$@" 2>>"$WORK/admin.log"; }
ttp_list() { "$BIN/ttp" list --certs-dir "$CERTS/ttp" 2>>"$WORK/admin.log"; }
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

BANK_TOKEN=$(token --role bank --cn bank.example --host localhost)
start_daemon bank "$WORK/bank.log" "$WORK/bank.port" "$BIN/bank_server" \
  --certs-dir "$CERTS/bank" --listen 127.0.0.1:0 --port-file "$WORK/bank.port" \
  --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "$BANK_TOKEN" \
  --common-name bank.example --country DE --organisation "Example Bank" --host-name localhost \
  --status-cache 5 || {
  fail "the bank did not start"
  finish
}
BANK_PORT=$DAEMON_PORT
BANK_PID=$DAEMON_PID
FIRST_BANK_SERIAL=$(serial_of "$CERTS/bank/cert.pem")

declare -A TOKENS
customer() {
  local name=$1
  shift
  [[ -n ${TOKENS[$name]:-} ]] || TOKENS[$name]=$(token --role customer --cn "$name")
  timeout 120 "$BIN/client" --certs-dir "$CERTS/$name" --connect "localhost:$BANK_PORT" \
    --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "${TOKENS[$name]}" \
    --common-name "$name" --country DE "$@" 2>>"$WORK/client-$name.log"
}
source scripts/flows.sh

# ---- the bank renews by itself and keeps serving
check "alice completes the OTP flow with the bank's first certificate" honest_flow_works alice
check "the bank logs when it will renew" grep -q "will be renewed at" "$WORK/bank.log"
check "the bank renews its one-minute certificate by itself (waited up to 150 s)" \
  wait_for_line "$WORK/bank.log" "new channels present the renewed certificate serial" 150
RENEWED_BANK_SERIAL=$(serial_of "$CERTS/bank/cert.pem")
check "the bank's certificate file holds a new serial" test "$RENEWED_BANK_SERIAL" != "$FIRST_BANK_SERIAL"
check "the bank's key file is still the owner's only (0600)" \
  test "$(stat -c %a "$CERTS/bank/key.pem")" == 600
check "ttp list links the bank's new certificate to the old one" \
  grep -qi "^$RENEWED_BANK_SERIAL .*(renewed from $FIRST_BANK_SERIAL)" <<<"$(ttp_list)"
check "the bank was not restarted" kill -0 "$BANK_PID"
check "alice completes the OTP flow after the bank's swap" honest_flow_works alice
check "a new customer's channels accept the renewed bank certificate" honest_flow_works carol
check "the bank staples a good OCSP response for its renewed certificate" \
  grep -qi "OCSP staple for our certificate (serial $RENEWED_BANK_SERIAL).*good" "$WORK/bank.log"

check "alice's device renews its own certificate and replaces its channel (waited up to 150 s)" \
  wait_for_line "$WORK/client-alice.log" "replacing the channel to the bank: the certificate was renewed" 150
subscribed_twice() {
  for _ in $(seq 150); do
    (($(grep -c '"event": *"subscribed"' "$WORK/device-alice.jsonl") >= 2)) && return 0
    sleep 0.2
  done
  return 1
}
check "...and subscribes again" subscribed_twice
check "alice completes the OTP flow with her renewed certificate" honest_flow_works alice

# ---- client renew: a new key, linked in ttp list; refused once revoked. bob's device is
# stopped around the one-shot renewals (it would renew the same folder on its own schedule).
start_device bob || fail "bob's device did not subscribe"
stop_device bob
BOB_FIRST=$(serial_of "$CERTS/bob/cert.pem")
BOB_FIRST_KEY=$(openssl pkey -in "$CERTS/bob/key.pem" -pubout 2>/dev/null | sha256sum)
check "client renew renews bob's certificate over the authenticated channel" \
  customer bob renew
BOB_SECOND=$(serial_of "$CERTS/bob/cert.pem")
check "bob's certificate has a new serial" test "$BOB_SECOND" != "$BOB_FIRST"
check "...for a new key (rekey is the default)" \
  test "$(openssl pkey -in "$CERTS/bob/key.pem" -pubout 2>/dev/null | sha256sum)" != "$BOB_FIRST_KEY"
check "...whose file is 0600" test "$(stat -c %a "$CERTS/bob/key.pem")" == 600
check "ttp list links bob's new certificate to the old one" \
  grep -qi "^$BOB_SECOND .*(renewed from $BOB_FIRST)" <<<"$(ttp_list)"
check "bob completes the OTP flow with his renewed certificate" honest_flow_works bob
stop_device bob
BOB_SECOND=$(serial_of "$CERTS/bob/cert.pem")  # (his device may have renewed it meanwhile)
BOB_SECOND_KEY=$(openssl pkey -in "$CERTS/bob/key.pem" -pubout 2>/dev/null | sha256sum)
check "client renew --renew-same-key renews bob's certificate" customer bob renew --renew-same-key
check "...for the same key" \
  test "$(openssl pkey -in "$CERTS/bob/key.pem" -pubout 2>/dev/null | sha256sum)" == "$BOB_SECOND_KEY"
BOB_THIRD=$(serial_of "$CERTS/bob/cert.pem")
check "...and links the third certificate to the second" \
  grep -qi "^$BOB_THIRD .*(renewed from $BOB_SECOND)" <<<"$(ttp_list)"
"$BIN/ttp" revoke --certs-dir "$CERTS/ttp" --serial "$BOB_THIRD" --reason keyCompromise \
  >>"$WORK/admin.log" 2>&1
renew_refused() { ! customer bob renew; }
check "a revoked certificate cannot renew (client renew fails)" renew_refused
check "...with the TTP's code certificate-revoked" grep -q "certificate-revoked\|revoked" "$WORK/client-bob.log"
check "...and the TTP logs the refusal" grep -q "refused (certificate-revoked)" "$WORK/ttp.log"
check "bob's files still hold the revoked certificate (nothing half-written)" \
  test "$(serial_of "$CERTS/bob/cert.pem")" == "$BOB_THIRD"
check "no key.pem.next is left behind" test ! -e "$CERTS/bob/key.pem.next"
check "token enrollment without a client certificate still works (dave)" honest_flow_works dave

# ---- bank_server renew (one-shot) beside the running bank: one renewal at a time per folder
BANK_BEFORE=$(serial_of "$CERTS/bank/cert.pem")
check "bank_server renew renews the bank's certificate now" \
  "$BIN/bank_server" renew --certs-dir "$CERTS/bank" --ttp "127.0.0.1:$TTP_PORT" \
  --ttp-fingerprint "$FINGERPRINT" --log-level warn
BANK_AFTER=$(serial_of "$CERTS/bank/cert.pem")
check "...linked in ttp list" grep -qi "^$BANK_AFTER .*(renewed from $BANK_BEFORE)" <<<"$(ttp_list)"
check "the running bank still serves alice" honest_flow_works alice
finish
