#!/usr/bin/env bash
# ECDSA certificates issued by our TTP, used by openssl in both directions (issue 9).
# usage: ttp_issued_ecdsa.sh ROOT   with ROOT one of
#
#   rsa-root         `ttp serve --root-key-type rsa` (RSA 3072, SHA-256), as in the demo
#   rsa-root-sha384  `ttp serve --root-key-type rsa --root-hash sha384`
#   ecdsa-root       `ttp serve --root-key-type ecdsa --root-curve P-384` (SHA-384)
#
# 1. `ttp serve` creates its root; `ttp token create` mints a bank and a customer token.
# 2. openssl makes the keys (bank ECDSA P-384, customer ECDSA P-256) and the CSRs, and
#    `openssl s_client` enrolls them with the TTP over its TLS channel (ENROLL role token +
#    CSR), trusting the TTP's root: the certificates are the TTP's own answer.
# 3. `openssl verify -x509_strict -CAfile ca.pem` accepts both (sslserver for the bank,
#    sslclient for the customer); `openssl x509 -text` shows the keys and the root's hash.
# 4. s_client (customer certificate) against our server (tls_peer, bank certificate), mutual.
# 5. our client (tls_peer, customer certificate) against s_server (bank certificate, -Verify).
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
root=${1:?usage: $0 rsa-root|rsa-root-sha384|ecdsa-root}
require_peer_tool
[[ -n ${TTP:-} && -x ${TTP:-} ]] || fail "TTP must name the built ttp executable (got '${TTP:-}')"

case $root in
  rsa-root)
    root_args=(--root-key-type rsa)
    root_signature='sha256WithRSAEncryption'
    root_key='Public Key Algorithm: rsaEncryption'
    ;;
  rsa-root-sha384)
    root_args=(--root-key-type rsa --root-hash sha384)
    root_signature='sha384WithRSAEncryption'
    root_key='Public Key Algorithm: rsaEncryption'
    ;;
  ecdsa-root)
    root_args=(--root-key-type ecdsa --root-curve P-384)
    root_signature='ecdsa-with-SHA384'
    root_key='NIST CURVE: P-384'
    ;;
  *) fail "unknown root $root" ;;
esac

# ---------------------------------------------------------------- 1. the TTP
TTP_DIR=$WORK/ttp
start ttp "$TTP" serve --certs-dir "$TTP_DIR" --listen 127.0.0.1:0 --port-file "$WORK/ttp.port" \
  --log-level info "${root_args[@]}"
TTP_PID=$LAST_PID
wait_for "$WORK/ttp.port" '^[0-9]+$' "ttp serve writes its port" "$TTP_PID"
TTP_PORT=$(head -n1 "$WORK/ttp.port")
log "ttp serve (pid $TTP_PID) on 127.0.0.1:$TTP_PORT, root: ${root_args[*]}"
bank_token=$("$TTP" token create --certs-dir "$TTP_DIR" --role bank --cn bank.example \
  --host localhost 2>>"$WORK/token.err") || fail "ttp token create (bank) failed"
customer_token=$("$TTP" token create --certs-dir "$TTP_DIR" --role customer --cn alice \
  2>>"$WORK/token.err") || fail "ttp token create (customer) failed"

# ---------------------------------------------------------------- 2. enrollment with s_client
mkdir -p "$PKI"
cp "$TTP_DIR/ca.pem" "$PKI/ca.pem"

# enroll NAME ROLE TOKEN CURVE SUBJECT: key and CSR by openssl, sent with s_client; the leaf is
# written to $PKI/NAME.pem, the chain (leaf, root) to $PKI/NAME-chain.pem.
enroll() {
  local name=$1 role=$2 token=$3 curve=$4 subject=$5
  "$OPENSSL" genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$curve" -out "$PKI/$name.key" \
    2>/dev/null || fail "openssl could not make the $name key"
  chmod 600 "$PKI/$name.key"
  "$OPENSSL" req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null ||
    fail "openssl could not make the $name CSR"
  local fifo=$WORK/enroll-$name.in out=$WORK/enroll_$name.out
  mkfifo "$fifo"
  exec {CLIENT_INPUT}<>"$fifo"
  STDIN_FROM=$fifo start "enroll_$name" "$OPENSSL" s_client -quiet -no_ign_eof -tls1_3 \
    -connect "127.0.0.1:$TTP_PORT" -CAfile "$PKI/ca.pem" -verify_return_error \
    -verify_hostname localhost -servername localhost
  local pid=$LAST_PID
  { printf 'ENROLL %s %s\n' "$role" "$token"; cat "$PKI/$name.csr"; } >&"$CLIENT_INPUT"
  wait_for "$out" '^(END|ERROR)' "the TTP answers the $name enrollment" "$pid"
  exec {CLIENT_INPUT}>&-
  wait_exit "$pid" "s_client after the $name enrollment"
  expect "$out" '^OK ENROLLED serial=[0-9A-F]+ ' "the TTP enrolled $name"
  sed -n '/^-----BEGIN CERTIFICATE-----/,/^-----END CERTIFICATE-----/p' "$out" \
    >"$PKI/$name-chain.pem"
  "$OPENSSL" x509 -in "$PKI/$name-chain.pem" -out "$PKI/$name.pem" ||
    fail "the $name enrollment answer holds no certificate"
  expect_count "$PKI/$name-chain.pem" '^-----BEGIN CERTIFICATE-----$' 2 "leaf and root for $name"
  log "$name enrolled: $(grep -m1 '^OK ENROLLED' "$out")"
}
enroll bank bank "$bank_token" P-384 "/C=DE/O=Example Bank/CN=bank.example"
enroll customer customer "$customer_token" P-256 "/C=DE/CN=alice"

# ---------------------------------------------------------------- 3. openssl verify and x509
"$OPENSSL" verify -x509_strict -purpose sslserver -CAfile "$PKI/ca.pem" "$PKI/bank.pem" \
  >"$WORK/verify_bank.out" 2>&1 || fail "openssl verify refuses the bank certificate"
expect "$WORK/verify_bank.out" 'bank\.pem: OK$' "openssl verify (bank)"
"$OPENSSL" verify -x509_strict -purpose sslclient -CAfile "$PKI/ca.pem" "$PKI/customer.pem" \
  >"$WORK/verify_customer.out" 2>&1 || fail "openssl verify refuses the customer certificate"
expect "$WORK/verify_customer.out" 'customer\.pem: OK$' "openssl verify (customer)"
# Another root must not do: the verification above means something.
"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Other" \
  -keyout "$WORK/other.key" -out "$WORK/other.pem" -days 1 2>/dev/null
if "$OPENSSL" verify -CAfile "$WORK/other.pem" "$PKI/bank.pem" >/dev/null 2>&1; then
  fail "openssl verify accepts the bank certificate under an unrelated root"
fi

"$OPENSSL" x509 -in "$PKI/ca.pem" -noout -text >"$WORK/ca.txt"
"$OPENSSL" x509 -in "$PKI/bank.pem" -noout -text >"$WORK/bank.txt"
"$OPENSSL" x509 -in "$PKI/customer.pem" -noout -text >"$WORK/customer.txt"
expect "$WORK/ca.txt" "$root_key" "the root's key"
expect "$WORK/ca.txt" "Signature Algorithm: $root_signature" "the root signs itself with its hash"
expect "$WORK/bank.txt" 'NIST CURVE: P-384' "the bank's key is ECDSA P-384"
expect "$WORK/bank.txt" "Signature Algorithm: $root_signature" "the TTP signs the bank's certificate"
expect "$WORK/bank.txt" 'DNS:localhost' "the bank's subjectAltName from its token"
expect "$WORK/customer.txt" 'NIST CURVE: P-256' "the customer's key is ECDSA P-256"
expect "$WORK/customer.txt" "Signature Algorithm: $root_signature" \
  "the TTP signs the customer's certificate"

# ---------------------------------------------------------------- 4. s_client -> our server
cp "$PKI/bank-chain.pem" "$PKI/server.pem"
cp "$PKI/bank.key" "$PKI/server.key"
start_tls_peer_server --ca-file "$PKI/ca.pem" --require-client-cert
start_s_client -cert "$PKI/customer.pem" -key "$PKI/customer.key"
send_line "hello from openssl"
wait_for "$WORK/s_client.out" '^echo: hello from openssl$' "our server answers s_client" "$CLIENT_PID"
end_input
wait_exit "$CLIENT_PID" "openssl s_client after the end of its input"
((EXIT_STATUS == 0)) || fail "s_client exited with status $EXIT_STATUS"
wait_for "$WORK/tls_peer_server.out" '^closed: the peer sent close_notify' \
  "our server sees s_client's close_notify" "$SERVER_PID"
stop_tls_peer_server
expect "$WORK/tls_peer_server.out" \
  '^handshake: .* peer_signature=ecdsa_secp256r1_sha256 own_signature=ecdsa_secp384r1_sha384 peer=.*CN ?= ?alice' \
  "our server signed with P-384/SHA-384 and verified the customer's P-256/SHA-256"
expect "$WORK/s_client.out" '^Verification: OK$' "s_client verified the TTP-issued bank chain"
expect "$WORK/s_client.out" '^Peer signature type: ECDSA$' "our server signs with ECDSA"
expect "$WORK/s_client.out" '^Peer signing digest: SHA384$' "our server signs with SHA-384"
expect_not "$WORK/s_client.err" 'alert|error:' "s_client's error output"
log "s_client -> our server: ECDSA both ways, verified"

# ---------------------------------------------------------------- 5. our client -> s_server
cp "$PKI/bank.pem" "$PKI/server.pem"
start_s_server -CAfile "$PKI/ca.pem" -Verify 1 -verify_return_error
run_tls_peer_client --cert "$PKI/customer-chain.pem" --key "$PKI/customer.key" \
  --server-name localhost --send "hello from our client"
wait_exit "$SERVER_PID" "openssl s_server (-naccept 1) after the connection"
((CLIENT_STATUS == 0)) || fail "our client exited with status $CLIENT_STATUS"
expect "$WORK/tls_peer_client.out" \
  '^handshake: .* peer_signature=ecdsa_secp384r1_sha384 own_signature=ecdsa_secp256r1_sha256 peer=.*CN ?= ?bank\.example' \
  "our client verified the bank's P-384 chain and signed with P-256/SHA-256"
expect "$WORK/tls_peer_client.out" "^received: $(reversed "hello from our client")\$" \
  "s_server's answer"
expect "$WORK/s_server.err" '^depth=0 .*CN ?= ?alice' "s_server saw the customer certificate"
expect_not "$WORK/s_server.err" '^verify error' "s_server verified the TTP-issued customer chain"
expect "$WORK/s_server.out" '^<<< TLS 1.3, Handshake .*, CertificateVerify$' \
  "s_server received our CertificateVerify"
log "our client -> s_server: ECDSA both ways, verified"

stop_process "$TTP_PID"
log "PASS: $root"
