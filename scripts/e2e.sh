#!/usr/bin/env bash
# End to end, with checks: the three real daemons on loopback, and everything issue #6 asks of
# them. Part of the CTest suite (label integration); also runs by hand after scripts/setup.sh.
#   BIN=build/bin scripts/e2e.sh
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ -z ${BIN:-} ]]; then
  scripts/setup.sh >/dev/null
  BIN=build/bin
fi
source scripts/lib.sh

WORK=$(mktemp -d)
trap 'stop_daemons; rm -rf "$WORK"' EXIT
CERTS=$WORK/certs


start_daemon ttp "$WORK/ttp.log" "$WORK/ttp.port" \
  "$BIN/ttp" serve --certs-dir "$CERTS/ttp" --listen 127.0.0.1:0 --port-file "$WORK/ttp.port" \
  --ocsp-validity 4 ||
  { echo "FAIL: the TTP did not start"; echo "0 passed, 1 failed"; exit 1; }
TTP_PORT=$DAEMON_PORT
FINGERPRINT=$(cat "$CERTS/ttp/ca.fingerprint")
token() { "$BIN/ttp" token create --certs-dir "$CERTS/ttp" "$@" 2>>"$WORK/admin.log"; }

ALL_SUITES=(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256
  TLS_AES_128_GCM_SHA384 TLS_AES_256_GCM_SHA256 TLS_CHACHA20_POLY1305_SHA384)
start_daemon bank "$WORK/bank.log" "$WORK/bank.port" \
  "$BIN/bank_server" --certs-dir "$CERTS/bank" --listen 127.0.0.1:0 --port-file "$WORK/bank.port" \
  --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" \
  --token "$(token --role bank --cn bank.example --host localhost)" \
  --common-name bank.example --country DE --organisation "Example Bank" --host-name localhost \
  --otp-lifetime 10 --status-cache 0 --suites "${ALL_SUITES[@]}" ||
  { echo "FAIL: the bank did not start"; echo "$PASSED passed, $((FAILED + 1)) failed"; exit 1; }
BANK_PORT=$DAEMON_PORT

# customer NAME [client options...]: runs the client for NAME (enrolling on first use).
declare -A TOKENS
customer() {
  local name=$1
  shift
  [[ -n ${TOKENS[$name]:-} ]] || TOKENS[$name]=$(token --role customer --cn "$name")
  "$BIN/client" --certs-dir "$CERTS/$name" --connect "localhost:$BANK_PORT" \
    --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "${TOKENS[$name]}" \
    --common-name "$name" --country DE "$@" 2>>"$WORK/client-$name.log"
}
source scripts/flows.sh

# 1. The full flow with every suite, standard and private: the code reaches alice's device.
start_device alice || fail "alice's device did not subscribe"
for suite in "${ALL_SUITES[@]}"; do
  out=$(customer alice transfer "${TRANSFER[@]}" --suites "$suite" --json)
  txn=$(json_field transaction "$out")
  code=$(device_code alice "$txn")
  if [[ -n $code && $(json_field suite "$out") == "$suite"* ]] &&
    confirm alice "$txn" "$code" --suites "$suite"; then
    pass "OTP pushed to the device and accepted over $suite"
  else
    fail "OTP flow over $suite: $out $(cat "$WORK/confirm-alice.json" 2>/dev/null)"
  fi
done
check "the transfer's answer never carries the code" \
  bash -c "! grep -q '\"code\"' <<<'$out'"

# 2. Three wrong codes lock the transaction; the right code is refused afterwards.
txn=$(start_transfer alice)
code=$(device_code alice "$txn")
wrong=$(printf '%06d' $(((10#$code + 1) % 1000000)))
for attempt in 1 2 3; do confirm alice "$txn" "$wrong"; done
confirm alice "$txn" "$code"
check "three wrong codes lock the transaction" grep -q '"reason": *"locked"' "$WORK/confirm-alice.json"

# 3. A confirmed OTP cannot be replayed.
txn=$(start_transfer alice)
code=$(device_code alice "$txn")
confirm alice "$txn" "$code" || fail "alice's confirmation was refused"
confirm alice "$txn" "$code"
check "a confirmed OTP cannot be replayed" grep -q '"reason": *"already-used"' \
  "$WORK/confirm-alice.json"

# 4. Another customer cannot confirm alice's transaction (and learns nothing: it answers like an
# unknown one); bob's device never sees alice's code.
start_device bob || fail "bob's device did not subscribe"
txn=$(start_transfer alice)
code=$(device_code alice "$txn")
confirm bob "$txn" "$code"
check "another customer cannot confirm the transaction" \
  grep -q '"reason": *"unknown-transaction"' "$WORK/confirm-bob.json"
check "...and bob's device never saw alice's code" bash -c "! grep -q '$txn' '$WORK/device-bob.jsonl'"
confirm alice "$txn" "$code"
check "...while its owner still can" grep -q '"result": *"accepted"' "$WORK/confirm-alice.json"

# 5. An expired OTP is refused (the bank runs with --otp-lifetime 10).
txn=$(start_transfer alice)
code=$(device_code alice "$txn")
sleep 11
confirm alice "$txn" "$code"
check "an expired OTP is refused" grep -q '"reason": *"expired"' "$WORK/confirm-alice.json"

# 6. A revoked customer is refused. Carol's own staple (OCSP answers are valid 4 s here) says
# good until it is renewed: a revocation reaches a stapling customer within the OCSP validity.
ensure_token carol
customer carol transfer "${TRANSFER[@]}" --json >/dev/null
serial=$(openssl x509 -in "$CERTS/carol/cert.pem" -noout -serial | cut -d= -f2)
"$BIN/ttp" revoke --certs-dir "$CERTS/ttp" --serial "$serial" --reason keyCompromise \
  >>"$WORK/admin.log" 2>&1
sleep 5
out=$(customer carol transfer "${TRANSFER[@]}" --json)
status=$?
check "a revoked customer is refused once her OCSP staple is renewed" \
  test $status -ne 0 -a -n "$(grep -l certificate_revoked "$WORK/client-carol.log")"

# 7. A customer whose certificate comes from another CA is refused.
mkdir -p "$WORK/other" "$CERTS/mallory"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=Other CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -keyout "$WORK/other/ca.key" -out "$WORK/other/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/C=DE/CN=mallory" \
  -keyout "$CERTS/mallory/key.pem" -out "$WORK/other/mallory.csr" 2>/dev/null
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$WORK/other/ext"
openssl x509 -req -in "$WORK/other/mallory.csr" -CA "$WORK/other/ca.pem" \
  -CAkey "$WORK/other/ca.key" -CAcreateserial -days 30 -extfile "$WORK/other/ext" \
  -out "$WORK/other/mallory.pem" 2>/dev/null
cat "$WORK/other/mallory.pem" "$WORK/other/ca.pem" >"$CERTS/mallory/cert.pem"
cp "$CERTS/ttp/ca.pem" "$CERTS/mallory/ca.pem"  # mallory trusts the real TTP for the bank
chmod 600 "$CERTS/mallory/key.pem"
# (stdin stays open a moment: in TLS 1.3 the server's alert arrives after the client's Finished)
out=$(sleep 2 | timeout 20 openssl s_client -connect "127.0.0.1:$BANK_PORT" -tls1_3 \
  -cert "$WORK/other/mallory.pem" -key "$CERTS/mallory/key.pem" -CAfile "$CERTS/ttp/ca.pem" 2>&1)
check "a customer certified by another CA is refused (unknown_ca)" \
  grep -qi "unknown ca\|alert number 48" <<<"$out"

# 8. The bank keeps serving while a peer sends garbage.
garbage=()
for i in 1 2 3 4 5; do
  (exec 3<>"/dev/tcp/127.0.0.1/$BANK_PORT" && head -c 20000 /dev/urandom >&3; sleep 2) \
    2>/dev/null &
  garbage+=($!)
done
check "the bank serves alice while others send garbage" honest_flow_works alice
wait "${garbage[@]}"  # (not the devices, which run until the end)

# 9. A person can drive the protocol through openssl s_client with alice's certificate.
out=$( (printf 'TRANSFER account=DE44500105175407324931 amount=10.00 currency=EUR payee="ACME Ltd"\n'
  sleep 2) | timeout 20 openssl s_client -connect "127.0.0.1:$BANK_PORT" -tls1_3 -quiet -nocommands \
  -cert "$CERTS/alice/cert.pem" -key "$CERTS/alice/key.pem" -CAfile "$CERTS/ttp/ca.pem" 2>&1)
check "a transfer through openssl s_client works, its code goes to the device only" \
  grep -q "^TRANSFER txn=.* devices=" <<<"$out"

# 10. Nothing secret in the logs: no OTP code, token or private key.
check "no private key in any log" bash -c "! grep -l 'PRIVATE KEY' $WORK/*.log"
check "no OTP code in the bank's log" bash -c "! grep -q 'code=[0-9]' '$WORK/bank.log'"

stop_daemons
echo
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
