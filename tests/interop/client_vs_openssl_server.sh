#!/usr/bin/env bash
# Our client (tls_peer client) against `openssl s_server -tls1_3 -rev`, which answers every line
# reversed. usage: client_vs_openssl_server.sh SCENARIO
#
#   suite-aes128     -ciphersuites TLS_AES_128_GCM_SHA256, RSA server key (rsa_pss_rsae_sha256)
#   suite-aes256     -ciphersuites TLS_AES_256_GCM_SHA384, ECDSA server key; client --suites
#   suite-chacha20   -ciphersuites TLS_CHACHA20_POLY1305_SHA256; client --cipher/--hash shorthand
#   hello-retry      -groups P-256: our X25519 key share is refused, HelloRetryRequest follows
#   mutual           -Verify 1: our client authenticates with its certificate
#   missing-cert     -Verify 1 and our client has no certificate: certificate_required
#   key-update       our client sends KeyUpdate(update_requested); both sides change keys
#   peer-close       the line CLOSE makes s_server close with close_notify
#   fragmented       -max_send_frag 512: s_server splits its Certificate (RSA) across records
#   p256-share       our client offers secp256r1 first: a P-256 key share, no HelloRetryRequest
#   key-log          s_server -keylogfile and our client's --keylog-file hold the same secrets
#   unknown-ca       our client trusts another CA: it must refuse s_server with unknown_ca
#   optional-cert    -verify 1 asks for but does not require a certificate: our client, having
#                    none, answers with an empty Certificate and the handshake succeeds
#   pss-sha384       -sigalgs rsa_pss_rsae_sha384: we verify s_server's RSA-PSS/SHA-384 signature;
#                    -no_middlebox: no ChangeCipherSpec from s_server
#
# Every connecting scenario also checks application data both ways (each line comes back
# reversed), the two NewSessionTickets s_server sends after the handshake (our client must
# cope), and close_notify in the direction the scenario ends with.
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
scenario=${1:?usage: $0 SCENARIO}
require_peer_tool
require_tool rev

server_key=ec
server_args=()
client_args=()
lines=("interop line one" "the second line, after the tickets")
expect_suite=TLS_AES_128_GCM_SHA256 # s_server follows the client's order: ours starts with it
expect_group=x25519
expect_retry=no
expect_peer_signature=ecdsa_secp256r1_sha256
expect_own_signature=none
ends_with=ours # who sends the first close_notify: ours | peer | none (the handshake fails)
failure_line=''        # for ends_with=none: what our client prints
server_alert_line=''   # for ends_with=none: the alert in s_server's -msg output

case $scenario in
  suite-aes128)
    server_key=rsa
    server_args=(-ciphersuites TLS_AES_128_GCM_SHA256)
    expect_suite=TLS_AES_128_GCM_SHA256
    expect_peer_signature=rsa_pss_rsae_sha256
    ;;
  suite-aes256)
    server_args=(-ciphersuites TLS_AES_256_GCM_SHA384)
    client_args=(--suites TLS_AES_256_GCM_SHA384 TLS_AES_128_GCM_SHA256)
    expect_suite=TLS_AES_256_GCM_SHA384
    ;;
  suite-chacha20)
    server_key=rsa
    server_args=(-ciphersuites TLS_CHACHA20_POLY1305_SHA256)
    client_args=(--cipher CHACHA20 --hash SHA256)
    expect_suite=TLS_CHACHA20_POLY1305_SHA256
    expect_peer_signature=rsa_pss_rsae_sha256
    ;;
  hello-retry)
    server_args=(-groups P-256)
    expect_group=secp256r1
    expect_retry=yes
    ;;
  mutual)
    server_args=(-Verify 1 -CAfile "$PKI/ca.pem")
    client_args=(--cert "$PKI/client.pem" --key "$PKI/client.key" --server-name localhost)
    expect_own_signature=ecdsa_secp256r1_sha256
    ;;
  missing-cert)
    # RFC 8446 section 4.4.2.4: a server requiring a certificate answers an empty Certificate
    # with certificate_required; our client must report that alert and fail.
    server_args=(-Verify 1 -CAfile "$PKI/ca.pem")
    ends_with=none
    failure_line='^failed: alert received certificate_required'
    server_alert_line='^>>> TLS 1.3, Alert .*fatal certificate_required$'
    ;;
  unknown-ca)
    # RFC 8446 section 4.4.2.4 / 6.2: a chain that does not lead to a trusted root is refused
    # with unknown_ca (sent encrypted under the handshake keys, which s_server must open).
    CLIENT_CA_FILE=$PKI/other-ca.pem
    ends_with=none
    failure_line='^failed: alert sent unknown_ca: .*not a trusted certificate authority'
    server_alert_line='^<<< TLS 1.3, Alert .*fatal unknown_ca$'
    ;;
  fragmented)
    server_key=rsa
    server_args=(-max_send_frag 512)
    expect_peer_signature=rsa_pss_rsae_sha256
    ;;
  p256-share)
    client_args=(--groups secp256r1 x25519)
    expect_group=secp256r1
    ;;
  optional-cert)
    server_args=(-verify 1 -CAfile "$PKI/ca.pem")
    ;;
  key-log)
    server_args=(-keylogfile "$WORK/s_server.keylog" -groups P-256)
    client_args=(--keylog-file "$WORK/tls_peer.keylog")
    expect_group=secp256r1
    expect_retry=yes
    ;;
  pss-sha384)
    server_key=rsa
    server_args=(-sigalgs rsa_pss_rsae_sha384 -no_middlebox)
    expect_peer_signature=rsa_pss_rsae_sha384
    ;;
  key-update)
    client_args=(--key-update)
    lines=("before the key update" "after the key update" "and one more")
    ;;
  peer-close)
    lines=("interop line one" "CLOSE")
    ends_with=peer
    ;;
  *) fail "unknown scenario $scenario" ;;
esac

make_pki "$server_key" ec
start_s_server "${server_args[@]}"
send_args=()
for line in "${lines[@]}"; do send_args+=(--send "$line"); done
run_tls_peer_client "${client_args[@]}" "${send_args[@]}"
wait_exit "$SERVER_PID" "openssl s_server (-naccept 1) after the connection"
client_out=$WORK/tls_peer_client.out
server_out=$WORK/s_server.out
server_err=$WORK/s_server.err

if [[ $ends_with == none ]]; then
  ((CLIENT_STATUS != 0)) || fail "our client exited 0 although the handshake must fail"
  expect "$client_out" "$failure_line" "our client's report of the failure"
  expect "$server_out" "$server_alert_line" "the alert in s_server's message trace"
  # (A TLS 1.3 client may already have sent data when certificate_required arrives.)
  expect_not "$client_out" '^received: ' "no application data from a refused peer"
  log "PASS: $scenario: $(grep -m1 -E '^failed: ' "$client_out")"
  exit 0
fi

((CLIENT_STATUS == 0)) || fail "our client exited with status $CLIENT_STATUS"
expect "$client_out" "^handshake: version=TLSv1.3 suite=$expect_suite group=$expect_group hello_retry_request=$expect_retry peer_signature=$expect_peer_signature own_signature=$expect_own_signature peer=.*CN ?= ?localhost" \
  "negotiated parameters seen by our client"
expect "$server_err" "^Ciphersuite: $expect_suite\$" "s_server's view of the suite"
expect "$server_err" '^Protocol version: TLSv1.3$' "s_server's view of the version"

# HelloRetryRequest is a ServerHello with a special random (RFC 8446 section 4.1.3): s_server's
# -msg shows two ServerHellos sent and two ClientHellos received.
if [[ $expect_retry == yes ]]; then client_hellos=2; else client_hellos=1; fi
expect_count "$server_out" '^<<< TLS 1.3, Handshake .*, ClientHello$' "$client_hellos" "ClientHellos received by s_server"
expect_count "$server_out" '^>>> TLS 1.3, Handshake .*, ServerHello$' "$client_hellos" "ServerHellos sent by s_server"

# OpenSSL sends two NewSessionTickets after the handshake; the data exchange below proves our
# client read past them.
expect_count "$server_out" '^>>> TLS 1.3, Handshake .*, NewSessionTicket$' 2 "tickets sent by s_server"

if [[ $scenario == fragmented ]]; then
  # The Certificate message must really exceed one 512-byte record for this to mean anything.
  certificate_length=$(sed -n 's/^>>> TLS 1.3, Handshake \[length \([0-9a-f]*\)\], Certificate$/\1/p' "$server_out")
  [[ -n $certificate_length ]] || fail "s_server's trace lacks its Certificate message"
  ((16#$certificate_length > 512)) ||
    fail "s_server's Certificate is only $((16#$certificate_length)) bytes: not fragmented"
fi
if [[ $scenario == optional-cert ]]; then
  # RFC 8446 section 4.4.2: a client without a suitable certificate sends an empty Certificate
  # (s_server counts the 4-byte header: empty request context and empty list make 8 bytes) and
  # no CertificateVerify.
  expect "$server_out" '^>>> TLS 1.3, Handshake .*, CertificateRequest$' "s_server asked for a certificate"
  expect "$server_out" '^<<< TLS 1.3, Handshake \[length 0008\], Certificate$' "our empty Certificate"
  expect_not "$server_out" '^<<< TLS 1.3, Handshake .*, CertificateVerify$' "no CertificateVerify without a certificate"
fi
if [[ $scenario == key-log ]]; then
  # The same connection (after a HelloRetryRequest, so the transcript includes message_hash)
  # must yield the same traffic secrets on both sides.
  labels='^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0) '
  grep -E "$labels" "$WORK/s_server.keylog" | sort >"$WORK/s_server.secrets"
  grep -E "$labels" "$WORK/tls_peer.keylog" | sort >"$WORK/tls_peer.secrets"
  expect_count "$WORK/s_server.secrets" . 4 "traffic secrets in s_server's key log"
  expect_count "$WORK/tls_peer.secrets" . 4 "traffic secrets in our key log"
  diff -u "$WORK/s_server.secrets" "$WORK/tls_peer.secrets" >"$WORK/key-log-diff.out" ||
    fail "our key log differs from s_server's for the same connection (see key-log-diff.out)"
fi
if [[ $scenario == pss-sha384 ]]; then
  expect_not "$server_out" '^>>> TLS 1.3, ChangeCipherSpec' "s_server -no_middlebox sends no CCS"
fi
if [[ $scenario == mutual ]]; then
  expect "$server_out" '^<<< TLS 1.3, Handshake .*, Certificate$' "s_server received our Certificate"
  expect "$server_out" '^<<< TLS 1.3, Handshake .*, CertificateVerify$' "s_server received our CertificateVerify"
  expect "$server_err" '^depth=0 .*CN ?= ?interop-client' "s_server saw our client certificate"
  expect_not "$server_err" '^verify error' "s_server's verification of our client chain"
fi

# Application data both ways: every line sent and every reversed line received, in order.
expected_lines=()
for line in "${lines[@]}"; do
  [[ $line == CLOSE ]] && break
  expected_lines+=("sent: $line" "received: $(reversed "$line")")
  if [[ $scenario == key-update && ${#expected_lines[@]} == 2 ]]; then
    expected_lines+=("key-update: sent KeyUpdate (update_requested)")
  fi
done
mapfile -t exchanged < <(grep -E '^(sent|received|key-update): ' "$client_out" | grep -v '^sent: CLOSE$')
[[ "${exchanged[*]}" == "${expected_lines[*]}" ]] ||
  fail "application data: expected [${expected_lines[*]}] but our client printed [${exchanged[*]}]"

if [[ $scenario == key-update ]]; then
  # RFC 8446 section 4.6.3: with update_requested the peer answers with its own KeyUpdate.
  expect_count "$server_out" '^<<< TLS 1.3, Handshake .*, KeyUpdate$' 1 "s_server received our KeyUpdate"
  expect_count "$server_out" '^>>> TLS 1.3, Handshake .*, KeyUpdate$' 1 "s_server answered with a KeyUpdate"
  expect "$WORK/tls_peer_client.err" 'receiving traffic keys updated' "our client took s_server's KeyUpdate"
fi

case $ends_with in
  ours)
    expect "$client_out" '^closed: close_notify sent$' "our client closed"
    expect "$server_out" '^<<< TLS 1.3, Alert .*warning close_notify$' "s_server received our close_notify"
    expect "$server_err" '^CONNECTION CLOSED$' "s_server saw a clean end of the connection"
    ;;
  peer)
    expect "$server_out" '^>>> TLS 1.3, Alert .*warning close_notify$' "s_server sent close_notify"
    expect "$client_out" '^closed: the peer sent close_notify$' "our client saw s_server's close_notify"
    ;;
esac
expect_not "$server_err" 'unexpected eof|bad record mac|decrypt|alert' "s_server's error output"
log "PASS: $scenario"
