#!/usr/bin/env bash
# `openssl s_client -tls1_3` against our server (tls_peer server), which answers every line with
# "echo: LINE". usage: openssl_client_vs_server.sh SCENARIO
#
#   suite-aes128     -ciphersuites TLS_AES_128_GCM_SHA256 (RSA server key: rsa_pss_rsae_sha256)
#   suite-aes256     -ciphersuites TLS_AES_256_GCM_SHA384
#   suite-chacha20   -ciphersuites TLS_CHACHA20_POLY1305_SHA256 (RSA server key)
#   hello-retry      -groups X448:X25519: OpenSSL's only key share is X448, which we do not
#                    support, so our server must ask for X25519 with HelloRetryRequest
#   mutual           our server requires a client certificate; s_client sends one (RSA key)
#   missing-cert     our server requires one and s_client has none: certificate_required
#   key-log          s_client -keylogfile and our --keylog-file record the same secrets
#   key-update       s_client's "K" command: KeyUpdate(update_requested); we answer in kind
#   key-update-unrequested  s_client's "k": KeyUpdate(update_not_requested); we must not answer
#   not-text         a line with control bytes gets an "error: ..." answer, not silence
#   fragmented       -max_send_frag 512 with an RSA client certificate: s_client splits its
#                    Certificate across records, our server reassembles it
#   no-common-suite  our server allows only TLS_AES_128_GCM_SHA256, s_client only
#                    TLS_AES_256_GCM_SHA384: handshake_failure
#   no-common-signature  s_client accepts only ecdsa_secp384r1_sha384, our key is P-256:
#                    handshake_failure
#   no-common-group  s_client offers only X448: handshake_failure (no HelloRetryRequest can help)
#   tls12-only       s_client -tls1_2: protocol_version, we speak only TLS 1.3
#   server-stop      SIGTERM to our server while s_client is connected: the live session ends
#                    with our close_notify and the server exits 0
#   p256-share       -groups P-256 -no_middlebox: a P-256 key share accepted directly, no CCS
#
# Each connecting scenario sends lines, waits for each answer, then ends s_client's input so it
# sends close_notify, which our server must see; the server is then stopped with SIGTERM.
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
scenario=${1:?usage: $0 SCENARIO}
require_peer_tool

server_key=ec
client_key=ec
server_args=()
client_args=()
lines=("hello from openssl" "a second line")
expect_suite=TLS_AES_128_GCM_SHA256 # our server picks by its own preference order
expect_group=x25519
expect_retry=no
expect_peer_signature=none
expect_peer=none
refusal_alert=''       # for refused handshakes: the alert our server must send
refusal_seen_by_client='' # and how s_client reports it

case $scenario in
  suite-aes128)
    server_key=rsa
    client_args=(-ciphersuites TLS_AES_128_GCM_SHA256)
    expect_suite=TLS_AES_128_GCM_SHA256
    ;;
  suite-aes256)
    client_args=(-ciphersuites TLS_AES_256_GCM_SHA384)
    expect_suite=TLS_AES_256_GCM_SHA384
    ;;
  suite-chacha20)
    server_key=rsa
    client_args=(-ciphersuites TLS_CHACHA20_POLY1305_SHA256)
    expect_suite=TLS_CHACHA20_POLY1305_SHA256
    ;;
  hello-retry)
    client_args=(-groups X448:X25519)
    expect_retry=yes
    ;;
  mutual)
    client_key=rsa
    server_args=(--ca-file "$PKI/ca.pem" --require-client-cert)
    client_args=(-cert "$PKI/client.pem" -key "$PKI/client.key")
    expect_peer_signature=rsa_pss_rsae_sha256
    expect_peer='.*CN ?= ?interop-client'
    ;;
  missing-cert)
    # RFC 8446 section 4.4.2.4: without a certificate the handshake is aborted with
    # certificate_required (116), which s_client reports when it next reads.
    server_args=(--ca-file "$PKI/ca.pem" --require-client-cert)
    refusal_alert=certificate_required
    refusal_seen_by_client='alert certificate required|alert number 116'
    ;;
  no-common-suite)
    # RFC 8446 section 4.1.1: no acceptable cipher suite -> handshake_failure (40).
    server_args=(--suites TLS_AES_128_GCM_SHA256)
    client_args=(-ciphersuites TLS_AES_256_GCM_SHA384)
    refusal_alert=handshake_failure
    refusal_seen_by_client='alert handshake failure|alert number 40'
    ;;
  no-common-signature)
    # RFC 8446 section 4.4.3: the server must sign with one of the client's schemes; with none
    # available the handshake fails (handshake_failure).
    client_args=(-sigalgs ecdsa_secp384r1_sha384)
    refusal_alert=handshake_failure
    refusal_seen_by_client='alert handshake failure|alert number 40'
    ;;
  no-common-group)
    # RFC 8446 section 4.1.1: no overlap in supported_groups -> handshake_failure.
    client_args=(-groups X448)
    refusal_alert=handshake_failure
    refusal_seen_by_client='alert handshake failure|alert number 40'
    ;;
  tls12-only)
    # RFC 8446 section 4.2.1: a ClientHello without TLS 1.3 in supported_versions from a server
    # that only speaks TLS 1.3 -> protocol_version.
    S_CLIENT_VERSION=-tls1_2
    refusal_alert=protocol_version
    refusal_seen_by_client='alert protocol version|alert number 70'
    ;;
  server-stop) ;;
  p256-share)
    client_args=(-groups P-256 -no_middlebox)
    expect_group=secp256r1
    ;;
  fragmented)
    client_key=rsa
    server_args=(--ca-file "$PKI/ca.pem" --require-client-cert)
    client_args=(-cert "$PKI/client.pem" -key "$PKI/client.key" -max_send_frag 512)
    expect_peer_signature=rsa_pss_rsae_sha256
    expect_peer='.*CN ?= ?interop-client'
    ;;
  key-log)
    server_args=(--keylog-file "$WORK/tls_peer.keylog")
    client_args=(-keylogfile "$WORK/s_client.keylog")
    ;;
  key-update)
    lines=("before the key update" K "after the key update")
    ;;
  key-update-unrequested)
    lines=("before the key update" k "after the key update")
    ;;
  not-text)
    lines=("a fine line" $'bell\a and escape\e inside' "fine again")
    ;;
  *) fail "unknown scenario $scenario" ;;
esac

make_pki "$server_key" "$client_key"
start_tls_peer_server "${server_args[@]}"
start_s_client "${client_args[@]}"
server_out=$WORK/tls_peer_server.out
client_out=$WORK/s_client.out
client_err=$WORK/s_client.err

if [[ -n $refusal_alert ]]; then
  wait_for "$client_err" "$refusal_seen_by_client" "s_client receives $refusal_alert" "$CLIENT_PID"
  wait_for "$WORK/tls_peer_server.err" "sent alert $refusal_alert" \
    "our server says it refused the client"
  end_input
  wait_exit "$CLIENT_PID" "openssl s_client"
  ((EXIT_STATUS != 0)) || fail "s_client exited 0 although the handshake was refused"
  expect_not "$server_out" '^handshake:' "our server must not complete the handshake"
  stop_tls_peer_server
  log "PASS: $scenario: refused with $refusal_alert"
  exit 0
fi

wait_for "$server_out" '^handshake: ' "our server completes the handshake" "$SERVER_PID"
answers_seen() {
  local count
  count=$(grep -cE '^(echo|error): ' "$client_out" || true)
  ((count >= $1))
}
answers=0
for line in "${lines[@]}"; do
  send_line "$line"
  if [[ $line == [Kk] ]]; then
    # s_client command: KeyUpdate, K with update_requested, k without. s_client drops whatever
    # else its stdin read returned with the command, so the next line waits for the command.
    wait_for "$client_err" '^KEYUPDATE$' "s_client takes the K command" "$CLIENT_PID"
    continue
  fi
  answers=$((answers + 1))
  # Wait for this line's answer (echo: or error:) before sending the next.
  deadline=$((SECONDS + STEP_TIMEOUT))
  until answers_seen "$answers"; do
    ((SECONDS < deadline)) || fail "no answer to line $answers ('$line') within $STEP_TIMEOUT s"
    kill -0 "$CLIENT_PID" 2>/dev/null || fail "s_client ended while waiting for answer $answers"
    sleep 0.1
  done
done
if [[ $scenario == server-stop ]]; then
  # Graceful shutdown: live sessions are closed with close_notify, then the process exits 0.
  stop_tls_peer_server
  expect "$server_out" '^closed: the server is stopping' "our server ends the live session"
  wait_for "$client_out" '^<<< TLS 1.3, Alert .*warning close_notify$' \
    "s_client receives our close_notify" "$CLIENT_PID"
  end_input
  wait_exit "$CLIENT_PID" "openssl s_client after the server stopped"
else
  end_input
  wait_exit "$CLIENT_PID" "openssl s_client after the end of its input"
  ((EXIT_STATUS == 0)) || fail "s_client exited with status $EXIT_STATUS"
  wait_for "$server_out" '^closed: the peer sent close_notify' \
    "our server sees s_client's close_notify" "$SERVER_PID"
  stop_tls_peer_server
fi

expect "$server_out" "^handshake: version=TLSv1.3 suite=$expect_suite group=$expect_group hello_retry_request=$expect_retry peer_signature=$expect_peer_signature own_signature=(ecdsa_secp256r1_sha256|rsa_pss_rsae_sha256) peer=$expect_peer from=127\.0\.0\.1:[0-9]+\$" \
  "negotiated parameters seen by our server"
expect "$client_out" "^New, TLSv1.3, Cipher is $expect_suite\$" "s_client's view of the suite"
expect "$client_out" '^Verification: OK$' "s_client verified our server certificate"
expect "$client_out" '^Verify return code: 0 \(ok\)' "s_client verified our server certificate"
if [[ $server_key == rsa ]]; then
  expect "$client_out" '^Peer signature type: RSA-PSS$' "our server signs with RSA-PSS"
else
  expect "$client_out" '^Peer signature type: ECDSA$' "our server signs with ECDSA"
fi
if [[ $expect_retry == yes ]]; then hellos=2; else hellos=1; fi
expect_count "$client_out" '^>>> TLS 1.3, Handshake .*, ClientHello$' "$hellos" "ClientHellos sent by s_client"

# Application data both ways, in order.
expected=()
for line in "${lines[@]}"; do
  [[ $line == [Kk] ]] && continue
  if [[ $line == *[[:cntrl:]]* ]]; then
    expected+=("error: line of ${#line} bytes is not text")
  else
    expected+=("echo: $line")
  fi
done
mapfile -t answered < <(grep -E '^(echo|error): ' "$client_out" | sed -E 's/^(error: line of [0-9]+ bytes is not text).*/\1/')
[[ "${answered[*]}" == "${expected[*]}" ]] ||
  fail "answers: expected [${expected[*]}] but s_client printed [${answered[*]}]"

case $scenario in
  fragmented)
    certificate_length=$(sed -n 's/^>>> TLS 1.3, Handshake \[length \([0-9a-f]*\)\], Certificate$/\1/p' "$client_out")
    [[ -n $certificate_length ]] || fail "s_client's trace lacks its Certificate message"
    ((16#$certificate_length > 512)) ||
      fail "s_client's Certificate is only $((16#$certificate_length)) bytes: not fragmented"
    ;;
  mutual)
    expect "$client_out" '^<<< TLS 1.3, Handshake .*, CertificateRequest$' "our server asked for a certificate"
    ;;
  key-update)
    # RFC 8446 section 4.6.3: update_requested obliges us to send our own KeyUpdate.
    expect "$client_err" '^KEYUPDATE$' "s_client sent KeyUpdate"
    expect_count "$client_out" '^>>> TLS 1.3, Handshake .*, KeyUpdate$' 1 "KeyUpdate sent by s_client"
    expect_count "$client_out" '^<<< TLS 1.3, Handshake .*, KeyUpdate$' 1 "KeyUpdate sent by our server"
    ;;
  key-update-unrequested)
    # RFC 8446 section 4.6.3: update_not_requested must not be answered with a KeyUpdate.
    expect "$client_err" '^KEYUPDATE$' "s_client sent KeyUpdate"
    expect_count "$client_out" '^>>> TLS 1.3, Handshake .*, KeyUpdate$' 1 "KeyUpdate sent by s_client"
    expect_count "$client_out" '^<<< TLS 1.3, Handshake .*, KeyUpdate$' 0 "KeyUpdate sent by our server"
    expect "$WORK/tls_peer_server.err" 'receiving traffic keys updated' "our server took the new keys"
    ;;
  key-log)
    # Both sides must derive the same secrets for the same connection (same client random).
    labels='^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0) '
    grep -E "$labels" "$WORK/s_client.keylog" | sort >"$WORK/s_client.secrets"
    grep -E "$labels" "$WORK/tls_peer.keylog" | sort >"$WORK/tls_peer.secrets"
    expect_count "$WORK/s_client.secrets" . 4 "traffic secrets in s_client's key log"
    expect_count "$WORK/tls_peer.secrets" . 4 "traffic secrets in our key log"
    diff -u "$WORK/s_client.secrets" "$WORK/tls_peer.secrets" >"$WORK/key-log-diff.out" ||
      fail "our key log differs from s_client's for the same connection (see key-log-diff.out)"
    [[ $(stat -c %a "$WORK/tls_peer.keylog") == 600 ]] || fail "our key log is not mode 0600"
    ;;
esac
expect_not "$client_err" 'alert|error:' "s_client's error output"
log "PASS: $scenario"
