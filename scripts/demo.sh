#!/usr/bin/env bash
# The main job: the TTP, the bank and a customer delivering one-time passwords.
#   1. sets up (packages + build), 2. starts the TTP (creating its root CA on first start),
#   3. mints one-time enrollment tokens, 4. starts the bank (it enrolls: ECDSA P-384),
#   5. runs a customer (it enrolls: ECDSA P-256) that requests and confirms an OTP with each
#      cipher suite in turn, 6. prints a summary, stops the daemons by pid.
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

printf '\n%-40s %-10s %-24s %s\n' "suite" "OTP" "transaction" "result"
for suite in "${ALL_SUITES[@]}"; do
  result=$("$BIN/client" --certs-dir "$CERTS/alice" --connect "localhost:$BANK_PORT" \
    --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "$CUSTOMER_TOKEN" \
    --common-name alice --country DE --key-type ecdsa --curve P-256 --suites "$suite" \
    --request --account DE44500105175407324931 --amount 250.00 --currency EUR \
    --payee "ACME Ltd" --confirm --summary 2>>"$RUN/client.log") || {
    echo "customer run with $suite failed; log:" >&2
    tail -n 30 "$RUN/client.log" >&2
    exit 1
  }
  echo "$result"
done
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
json_field() {  # JSON NAME
  sed -n "s/.*\"$2\": \"\([^\"]*\)\".*/\1/p" <<<"$1"
}
outcome=$("$BIN/client" --certs-dir "$CERTS/alice" --connect "localhost:$BANK_PORT" \
  --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --common-name alice \
  --country DE --key-type ecdsa --curve P-256 --request --account DE44500105175407324931 \
  --amount 1.00 --currency EUR --payee "ACME Ltd" --confirm --json 2>>"$RUN/client.log") || {
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
  "$(json_field "$outcome" bank_signature) (handshake CertificateVerify)"
printf '%-10s %-13s %s\n' "customer" "$(key_of "$CERTS/alice/cert.pem")" \
  "$(json_field "$outcome" customer_signature) (handshake CertificateVerify)"
echo "   channel: $(json_field "$outcome" suite), $(json_field "$outcome" group)"
