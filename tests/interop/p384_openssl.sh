#!/usr/bin/env bash
# secp384r1 key exchange (RFC 8446 sections 4.2.7, 4.2.8.2) against OpenSSL, and the CNSA
# profile: TLS_AES_256_GCM_SHA384 + P-384 + ECDSA P-384 certificates on both sides.
# usage: p384_openssl.sh SCENARIO
#
#   client-hello-retry  our client (default groups, an X25519 share) against
#                       `openssl s_server -groups P-384`: HelloRetryRequest, then secp384r1
#   client-share        our client --groups secp384r1: a P-384 share, accepted directly
#   server              `openssl s_client -groups P-384` against our server (default groups)
#   server-hello-retry  s_client -groups X25519:P-384 (an X25519 share) against our server with
#                       --groups secp384r1: our HelloRetryRequest asks for secp384r1
#   cnsa-client         our client, P-384 client certificate, against s_server with a P-384
#                       certificate, -ciphersuites TLS_AES_256_GCM_SHA384 -groups P-384
#                       -sigalgs ecdsa_secp384r1_sha384 -Verify 1
#   cnsa-server         s_client with the same restrictions and a P-384 client certificate
#                       against our server (--require-client-cert)
#
# Each scenario checks what both sides negotiated, and application data both ways.
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
scenario=${1:?usage: $0 SCENARIO}
require_peer_tool
require_tool rev

key_type=ec
expect_suite=TLS_AES_128_GCM_SHA256
expect_retry=no
expect_signature=ecdsa_secp256r1_sha256
cnsa_openssl=(-ciphersuites TLS_AES_256_GCM_SHA384 -groups P-384 -sigalgs ecdsa_secp384r1_sha384)
cnsa_ours=(--suites TLS_AES_256_GCM_SHA384 --groups secp384r1)
lines=("over secp384r1" "a second line")

case $scenario in
  client-hello-retry | client-share | cnsa-client) side=client ;;
  server | server-hello-retry | cnsa-server) side=server ;;
  *) fail "unknown scenario $scenario" ;;
esac
case $scenario in
  client-hello-retry | server-hello-retry) expect_retry=yes ;;
  cnsa-*)
    key_type=ec384
    expect_suite=TLS_AES_256_GCM_SHA384
    expect_signature=ecdsa_secp384r1_sha384
    ;;
esac
make_pki "$key_type" "$key_type"

if [[ $side == client ]]; then
  server_args=(-groups P-384)
  client_args=()
  own_signature=none
  case $scenario in
    client-share) client_args=(--groups secp384r1) ;;
    cnsa-client)
      server_args=("${cnsa_openssl[@]}" -Verify 1 -CAfile "$PKI/ca.pem")
      client_args=("${cnsa_ours[@]}" --cert "$PKI/client.pem" --key "$PKI/client.key"
        --server-name localhost)
      own_signature=ecdsa_secp384r1_sha384
      ;;
  esac
  start_s_server "${server_args[@]}"
  send_args=()
  for line in "${lines[@]}"; do send_args+=(--send "$line"); done
  run_tls_peer_client "${client_args[@]}" "${send_args[@]}"
  wait_exit "$SERVER_PID" "openssl s_server (-naccept 1) after the connection"
  ((CLIENT_STATUS == 0)) || fail "our client exited with status $CLIENT_STATUS"
  client_out=$WORK/tls_peer_client.out
  expect "$client_out" "^handshake: version=TLSv1.3 suite=$expect_suite group=secp384r1 hello_retry_request=$expect_retry peer_signature=$expect_signature own_signature=$own_signature " \
    "negotiated parameters seen by our client"
  expect "$WORK/s_server.err" "^Ciphersuite: $expect_suite\$" "s_server's view of the suite"
  expect "$WORK/s_server.err" '^Supported groups: .*secp384r1' "s_server saw secp384r1 offered"
  if [[ $expect_retry == yes ]]; then hellos=2; else hellos=1; fi
  expect_count "$WORK/s_server.out" '^<<< TLS 1.3, Handshake .*, ClientHello$' "$hellos" "ClientHellos received by s_server"
  expected=()
  for line in "${lines[@]}"; do expected+=("received: $(reversed "$line")"); done
  mapfile -t received < <(grep -E '^received: ' "$client_out")
  [[ "${received[*]}" == "${expected[*]}" ]] || fail "application data: got [${received[*]}]"
  if [[ $scenario == cnsa-client ]]; then
    expect "$WORK/s_server.err" '^depth=0 .*CN ?= ?interop-client' "s_server saw our P-384 client certificate"
    expect_not "$WORK/s_server.err" '^verify error' "s_server's verification of our client chain"
  fi
  expect "$client_out" '^closed: close_notify sent$' "our client closed"
  expect_not "$WORK/s_server.err" 'unexpected eof|bad record mac|decrypt|alert' "s_server's error output"
  log "PASS: $scenario"
  exit 0
fi

server_args=()
client_args=(-groups P-384)
peer_signature=none
case $scenario in
  server-hello-retry)
    server_args=(--groups secp384r1)
    client_args=(-groups X25519:P-384)
    ;;
  cnsa-server)
    server_args=("${cnsa_ours[@]}" --ca-file "$PKI/ca.pem" --require-client-cert)
    client_args=("${cnsa_openssl[@]}" -cert "$PKI/client.pem" -key "$PKI/client.key")
    peer_signature=ecdsa_secp384r1_sha384
    ;;
esac
start_tls_peer_server "${server_args[@]}"
start_s_client "${client_args[@]}"
server_out=$WORK/tls_peer_server.out
client_out=$WORK/s_client.out
wait_for "$server_out" '^handshake: ' "our server completes the handshake" "$SERVER_PID"
answers=0
for line in "${lines[@]}"; do
  send_line "$line"
  answers=$((answers + 1))
  deadline=$((SECONDS + STEP_TIMEOUT))
  until (($(grep -cE '^echo: ' "$client_out" || true) >= answers)); do
    ((SECONDS < deadline)) || fail "no answer to line $answers within $STEP_TIMEOUT s"
    kill -0 "$CLIENT_PID" 2>/dev/null || fail "s_client ended while waiting for answer $answers"
    sleep 0.1
  done
done
end_input
wait_exit "$CLIENT_PID" "openssl s_client after the end of its input"
((EXIT_STATUS == 0)) || fail "s_client exited with status $EXIT_STATUS"
wait_for "$server_out" '^closed: the peer sent close_notify' "our server sees close_notify" "$SERVER_PID"
stop_tls_peer_server
expect "$server_out" "^handshake: version=TLSv1.3 suite=$expect_suite group=secp384r1 hello_retry_request=$expect_retry peer_signature=$peer_signature own_signature=$expect_signature " \
  "negotiated parameters seen by our server"
expect "$client_out" "^New, TLSv1.3, Cipher is $expect_suite\$" "s_client's view of the suite"
expect "$client_out" '^Server Temp Key: ECDH, secp384r1, 384 bits$' "s_client's view of the group"
expect "$client_out" '^Verify return code: 0 \(ok\)' "s_client verified our server certificate"
if [[ $expect_retry == yes ]]; then hellos=2; else hellos=1; fi
expect_count "$client_out" '^>>> TLS 1.3, Handshake .*, ClientHello$' "$hellos" "ClientHellos sent by s_client"
if [[ $scenario == cnsa-server ]]; then
  expect "$client_out" '^Peer signing digest: SHA384$' "our server signs with SHA-384"
fi
expected=()
for line in "${lines[@]}"; do expected+=("echo: $line"); done
mapfile -t answered < <(grep -E '^echo: ' "$client_out")
[[ "${answered[*]}" == "${expected[*]}" ]] || fail "answers: got [${answered[*]}]"
expect_not "$WORK/s_client.err" 'alert|error:' "s_client's error output"
log "PASS: $scenario"
