#!/usr/bin/env bash
# The main job: the TTP, the bank and a customer delivering one-time passwords.
#   1. sets up (packages + build), 2. starts the TTP (creating its root CA on first start),
#   3. mints one-time enrollment tokens, 4. starts the bank (it enrolls: ECDSA P-384),
#   5. starts the customer's device (`client daemon`, it enrolls: ECDSA P-256), 6. starts a
#      transfer with each cipher suite in turn: the OTP is pushed to the device and confirmed
#      with `client confirm`, then one transfer is confirmed with a wrong code first,
#   7. prints a summary, stops the daemons (the device too) by pid.
# Keys and certificates stay in certs/ for inspection (openssl x509 -in certs/bank/cert.pem -text).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z ${BIN:-} ]]; then
  scripts/setup.sh
  BIN=build/bin
fi
source scripts/lib.sh

CERTS=${CERTS:-certs}
RUN=$(mktemp -d)
trap 'stop_daemons; rm -rf "$RUN"' EXIT
mkdir -p "$CERTS"

echo "== starting the TTP (logs: $RUN/ttp.log)"
start_daemon ttp "$RUN/ttp.log" "$RUN/ttp.port" \
  "$BIN/ttp" serve --certs-dir "$CERTS/ttp" --listen 127.0.0.1:0 --port-file "$RUN/ttp.port" \
  --root-key-type rsa --root-hash sha256
TTP_PORT=$DAEMON_PORT
FINGERPRINT=$(cat "$CERTS/ttp/ca.fingerprint")
echo "   TTP on port $TTP_PORT, root fingerprint $FINGERPRINT"

BANK_TOKEN=$("$BIN/ttp" token create --certs-dir "$CERTS/ttp" --role bank --cn bank.example \
  --host localhost 2>/dev/null)
CUSTOMER_TOKEN=$("$BIN/ttp" token create --certs-dir "$CERTS/ttp" --role customer --cn alice \
  2>/dev/null)

echo "== starting the bank (logs: $RUN/bank.log)"
ALL_SUITES=(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256
  TLS_AES_128_GCM_SHA384 TLS_AES_256_GCM_SHA256 TLS_CHACHA20_POLY1305_SHA384)
start_daemon bank "$RUN/bank.log" "$RUN/bank.port" \
  "$BIN/bank_server" --certs-dir "$CERTS/bank" --listen 127.0.0.1:0 --port-file "$RUN/bank.port" \
  --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "$BANK_TOKEN" \
  --common-name bank.example --country DE --organisation "Example Bank" --host-name localhost \
  --key-type ecdsa --curve P-384 --suites "${ALL_SUITES[@]}"
BANK_PORT=$DAEMON_PORT
echo "   bank on port $BANK_PORT"

# The customer: `client daemon` is alice's device (it shows each OTP pushed to it, in
# RUN/device-alice.jsonl for this script; run it in a terminal to see the sentence), the
# transfers and confirmations are one-shot commands.
WORK=$RUN
declare -A TOKENS=([alice]=$CUSTOMER_TOKEN)
token() { "$BIN/ttp" token create --certs-dir "$CERTS/ttp" "$@" 2>/dev/null; }
customer() {
  local name=$1
  shift
  "$BIN/client" --certs-dir "$CERTS/$name" --connect "localhost:$BANK_PORT" \
    --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "${TOKENS[$name]}" \
    --common-name "$name" --country DE --key-type ecdsa --curve P-256 "$@" 2>>"$RUN/client.log"
}
source scripts/flows.sh
echo "== starting alice's device (client daemon; logs: $RUN/client.log)"
start_device alice || {
  echo "alice's device did not subscribe; log:" >&2
  tail -n 30 "$RUN/client.log" >&2
  exit 1
}
printf '\n%-40s %-24s %-8s %s\n' "suite" "transaction" "device" "result"
for suite in "${ALL_SUITES[@]}"; do
  txn=$(start_transfer alice --suites "$suite") && code=$(device_code alice "$txn") || {
    echo "transfer with $suite failed; log:" >&2
    tail -n 30 "$RUN/client.log" >&2
    exit 1
  }
  result=accepted
  confirm alice "$txn" "$code" --suites "$suite" || result="rejected: $(cat "$WORK/confirm-alice.json")"
  printf '%-40s %-24s %-8s %s\n' "$suite" "$txn" "$code" "$result"
done
echo
echo "== alice's device showed:"
sed -n 's/.*"event": "otp".*"text": "\([^"]*\)".*/   \1/p' "$RUN/device-alice.jsonl"
echo
echo "== one transfer confirmed with a wrong code"
txn=$(start_transfer alice)
code=$(device_code alice "$txn")
wrong=$(printf '%06d' $(((10#$code + 1) % 1000000)))
status=0
confirm alice "$txn" "$wrong" --suites TLS_AES_128_GCM_SHA256 || status=$?
echo "   client confirm --txn $txn --code $wrong: exit $status ($(json_field reason "$(cat "$WORK/confirm-alice.json")"), $(json_field customer_attempts_left "$(cat "$WORK/confirm-alice.json")") attempt(s) left before alice is blocked)"
confirm alice "$txn" "$code" && echo "   ...and with the right code: accepted"
echo
echo "Certificates: $CERTS/ttp/ca.pem (root), $CERTS/bank/cert.pem, $CERTS/alice/cert.pem"
echo "Inspect with: openssl x509 -in $CERTS/bank/cert.pem -noout -text"

# Which party used what: keys and certificate signatures read from the certificates, handshake
# signature schemes from one more customer run (--json names both sides' schemes).
key_of() {  # CERT: "RSA 3072" or "ECDSA P-384"
  local text
  text=$(openssl x509 -in "$1" -noout -text)
  if grep -q 'Public Key Algorithm: rsaEncryption' <<<"$text"; then
    echo "RSA $(sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p' <<<"$text" | head -n1)"
  else
    echo "ECDSA $(sed -n 's/.*NIST CURVE: \(P-[0-9]*\).*/\1/p' <<<"$text" | head -n1)"
  fi
}
signed_with() {  # CERT: the algorithm of the signature on it ("sha256WithRSAEncryption", ...)
  openssl x509 -in "$1" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -n1
}
outcome=$(customer alice transfer "${TRANSFER[@]}" --json) || {
  echo "customer run for the algorithm summary failed; log:" >&2
  tail -n 30 "$RUN/client.log" >&2
  exit 1
}
echo
echo "== which party used what"
printf '%-10s %-13s %s\n' "party" "key" "signs with"
printf '%-10s %-13s %s\n' "TTP" "$(key_of "$CERTS/ttp/ca.pem")" \
  "$(signed_with "$CERTS/ttp/ca.pem") (root), $(signed_with "$CERTS/bank/cert.pem") (bank's certificate), $(signed_with "$CERTS/alice/cert.pem") (customer's certificate)"
printf '%-10s %-13s %s\n' "bank" "$(key_of "$CERTS/bank/cert.pem")" \
  "$(json_field bank_signature "$outcome") (handshake CertificateVerify)"
printf '%-10s %-13s %s\n' "customer" "$(key_of "$CERTS/alice/cert.pem")" \
  "$(json_field customer_signature "$outcome") (handshake CertificateVerify)"
echo "   channel: $(json_field suite "$outcome"), $(json_field group "$outcome")"
