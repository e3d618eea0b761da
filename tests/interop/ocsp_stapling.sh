#!/usr/bin/env bash
# OCSP stapling in TLS 1.3 (status_request, RFC 6066 section 8 and RFC 8446 section 4.4.2.1)
# between our engines and the openssl CLI. The OCSP responses are made by `openssl ocsp` from
# an index file, signed by the test CA. usage: ocsp_stapling.sh SCENARIO
#
#   server-staple     openssl s_client -status against our server with --ocsp-staple: s_client
#                     prints the response (successful, the certificate good)
#   server-staple-hello-retry  the same after a HelloRetryRequest (s_client's first share is
#                     X448): its second ClientHello asks again and gets the staple
#   server-no-staple  the same without a staple configured: s_client prints "no response sent"
#                     and the handshake completes
#   client-status     openssl s_server -status_file staples to our client (--status): the bytes
#                     our client saves are the response file, byte for byte
#   client-status-hello-retry  the same after s_server (-groups P-256) asked for a P-256 share
#   client-no-status  our client does not ask: s_server sends nothing, our client reports none
#   both-ways         our client against our server, each stapling to the other (the server
#                     asks with status_request in its CertificateRequest)
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
scenario=${1:?usage: $0 SCENARIO}
require_peer_tool
require_tool rev
require_tool cmp

make_pki ec ec
make_ocsp_response server
response=$PKI/server.ocsp.der
response_size=$(stat -c %s "$response")

# Our server answering one line from s_client -status (and s_client_args); the s_client output
# is left in $WORK/s_client.out.
s_client_args=()
s_client_against_our_server() {
  start_tls_peer_server "$@"
  start_s_client -status "${s_client_args[@]}"
  wait_for "$WORK/tls_peer_server.out" '^handshake: ' "our server completes the handshake" \
    "$SERVER_PID"
  send_line "stapled hello"
  wait_for "$WORK/s_client.out" '^echo: stapled hello$' "s_client receives our answer" "$CLIENT_PID"
  end_input
  wait_exit "$CLIENT_PID" "openssl s_client after the end of its input"
  ((EXIT_STATUS == 0)) || fail "s_client exited with status $EXIT_STATUS"
  wait_for "$WORK/tls_peer_server.out" '^closed: the peer sent close_notify' \
    "our server sees s_client's close_notify" "$SERVER_PID"
  stop_tls_peer_server
  expect "$WORK/s_client.out" '^Verify return code: 0 \(ok\)' "s_client verified our server"
  expect_not "$WORK/s_client.err" 'alert|error:' "s_client's error output"
}

# Our client against s_server (-rev, one connection); lines come back reversed.
our_client_against_s_server() {
  start_s_server "$@"
  run_tls_peer_client --server-name localhost --send "stapled line" "${client_args[@]}"
  wait_exit "$SERVER_PID" "openssl s_server (-naccept 1) after the connection"
  ((CLIENT_STATUS == 0)) || fail "our client exited with status $CLIENT_STATUS"
  expect "$WORK/tls_peer_client.out" "^received: $(reversed "stapled line")\$" \
    "our client receives s_server's answer"
  expect "$WORK/tls_peer_client.out" '^closed: close_notify sent$' "our client closed"
  expect_not "$WORK/s_server.err" 'unexpected eof|bad record mac|decrypt|alert' \
    "s_server's error output"
}

case $scenario in
  server-staple | server-staple-hello-retry)
    if [[ $scenario == server-staple-hello-retry ]]; then
      s_client_args=(-groups X448:X25519)
    fi
    s_client_against_our_server --ocsp-staple "$response"
    if [[ $scenario == server-staple-hello-retry ]]; then
      expect "$WORK/tls_peer_server.out" '^handshake: .* hello_retry_request=yes ' \
        "our server asked for another key share"
    fi
    # s_client prints the stapled response it received (OCSP_RESPONSE_print).
    expect "$WORK/s_client.out" '^OCSP response: *$' "s_client received a staple"
    expect "$WORK/s_client.out" 'OCSP Response Status: successful' "the staple's response status"
    expect "$WORK/s_client.out" 'Cert Status: good' "the staple's certificate status"
    serial=$("$OPENSSL" x509 -in "$PKI/server.pem" -noout -serial | sed 's/^serial=//')
    expect "$WORK/s_client.out" "Serial Number: $serial" "the staple is for our certificate"
    expect "$WORK/tls_peer_server.err" "stapling the OCSP response .*\\($response_size bytes\\)" \
      "our server logs the staple"
    ;;
  server-no-staple)
    s_client_against_our_server
    expect "$WORK/s_client.out" '^OCSP response: no response sent$' "s_client got no staple"
    expect_not "$WORK/s_client.out" 'OCSP Response Status' "no OCSP response printed"
    expect "$WORK/s_client.out" '^New, TLSv1.3, Cipher is ' "the handshake completed"
    ;;
  client-status | client-status-hello-retry)
    client_args=(--status --save-staple "$WORK/saved.der")
    if [[ $scenario == client-status-hello-retry ]]; then
      our_client_against_s_server -status_file "$response" -groups P-256
      expect "$WORK/tls_peer_client.out" '^handshake: .* hello_retry_request=yes ' \
        "s_server asked for another key share"
    else
      our_client_against_s_server -status_file "$response"
    fi
    expect "$WORK/tls_peer_client.out" "^OCSP staple: $response_size bytes\$" \
      "our client reports the staple"
    [[ -f $WORK/saved.der ]] || fail "our client did not save the staple"
    cmp "$response" "$WORK/saved.der" ||
      fail "the saved staple differs from the response s_server stapled"
    ;;
  client-no-status)
    client_args=()
    our_client_against_s_server -status_file "$response"
    expect_not "$WORK/tls_peer_client.out" '^OCSP staple: ' "no staple reported when not asked"
    expect "$WORK/tls_peer_client.out" '^handshake: ' "the handshake completed"
    ;;
  both-ways)
    make_ocsp_response client
    start_tls_peer_server --ca-file "$PKI/ca.pem" --require-client-cert --request-client-status \
      --ocsp-staple "$response"
    run_tls_peer_client --server-name localhost --cert "$PKI/client.pem" \
      --key "$PKI/client.key" --ocsp-staple "$PKI/client.ocsp.der" --status \
      --save-staple "$WORK/saved.der" --send "stapled both ways"
    ((CLIENT_STATUS == 0)) || fail "our client exited with status $CLIENT_STATUS"
    expect "$WORK/tls_peer_client.out" '^received: echo: stapled both ways$' \
      "our client receives the answer"
    expect "$WORK/tls_peer_client.out" "^OCSP staple: $response_size bytes\$" \
      "our client reports the server's staple"
    cmp "$response" "$WORK/saved.der" || fail "the saved staple differs from the server's file"
    client_size=$(stat -c %s "$PKI/client.ocsp.der")
    wait_for "$WORK/tls_peer_server.out" "^OCSP staple: $client_size bytes from=" \
      "our server reports the client's staple" "$SERVER_PID"
    stop_tls_peer_server
    ;;
  *) fail "unknown scenario $scenario" ;;
esac
log "PASS: $scenario"
