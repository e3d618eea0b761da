#!/usr/bin/env bash
# RFC 8446 section 5.5 key usage limits against OpenSSL, with our limit lowered to 10 records per
# traffic key (tls_peer --records-per-key 10). OpenSSL 3.0 counts nothing itself: it updates its
# key only when asked (update_requested), so both halves of our rule are seen on the wire.
# usage: key_limit_openssl.sh client|server
#
#   client   our client against `openssl s_server -rev`: 30 lines, each answered reversed. Our
#            client updates its sending key on its own every 10 records and asks s_server to
#            update (s_server answers with KeyUpdates of its own) before its key reaches 10.
#   server   `openssl s_client` against our server: 30 lines, each answered "echo: LINE"; the
#            same rules from the server side.
#
# Every line must come back in order, and no side may report an alert.
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
scenario=${1:?usage: $0 client|server}
require_peer_tool
require_tool rev

limit=10
count=30
lines=()
for ((i = 1; i <= count; i++)); do lines+=("line number $i under a short-lived key"); done
make_pki ec ec

case $scenario in
  client)
    # shellcheck disable=SC2119 # no extra s_server options
    start_s_server
    send_args=()
    for line in "${lines[@]}"; do send_args+=(--send "$line"); done
    run_tls_peer_client --records-per-key "$limit" "${send_args[@]}"
    wait_exit "$SERVER_PID" "openssl s_server (-naccept 1) after the connection"
    ((CLIENT_STATUS == 0)) || fail "our client exited with status $CLIENT_STATUS"
    client_out=$WORK/tls_peer_client.out
    server_out=$WORK/s_server.out
    expected=()
    for line in "${lines[@]}"; do expected+=("received: $(reversed "$line")"); done
    mapfile -t received < <(grep -E '^received: ' "$client_out")
    [[ "${received[*]}" == "${expected[*]}" ]] ||
      fail "our client did not get every line back in order: [${received[*]}]"
    # 30 data records, at most 9 under one key: at least 3 KeyUpdates of ours; s_server sent
    # 2 tickets and 30 answers, so it was asked at least 3 times and answered each time.
    ours=$(grep -cE '^<<< TLS 1.3, Handshake .*, KeyUpdate$' "$server_out" || true)
    theirs=$(grep -cE '^>>> TLS 1.3, Handshake .*, KeyUpdate$' "$server_out" || true)
    ((ours >= count / (limit - 1))) || fail "s_server received only $ours KeyUpdates from us"
    ((theirs >= 3)) || fail "s_server sent only $theirs KeyUpdates (we asked for more)"
    sending=$(grep -c 'sending traffic keys updated' "$WORK/tls_peer_client.err" || true)
    receiving=$(grep -c 'receiving traffic keys updated' "$WORK/tls_peer_client.err" || true)
    ((sending == ours)) || fail "our client logged $sending sending updates, s_server saw $ours"
    ((receiving == theirs)) || fail "our client logged $receiving receiving updates, s_server sent $theirs"
    expect "$client_out" '^closed: close_notify sent$' "our client closed cleanly"
    expect "$WORK/s_server.err" '^CONNECTION CLOSED$' "s_server saw a clean end of the connection"
    expect_not "$WORK/s_server.err" 'unexpected eof|bad record mac|decrypt|alert' "s_server's error output"
    log "PASS: client: $ours KeyUpdates sent, $theirs received"
    ;;
  server)
    start_tls_peer_server --records-per-key "$limit"
    # shellcheck disable=SC2119 # no extra s_client options
    start_s_client
    server_out=$WORK/tls_peer_server.out
    client_out=$WORK/s_client.out
    wait_for "$server_out" '^handshake: ' "our server completes the handshake" "$SERVER_PID"
    answers=0
    for line in "${lines[@]}"; do
      send_line "$line"
      answers=$((answers + 1))
      # One line at a time: our request to update reaches s_client before its next line.
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
    wait_for "$server_out" '^closed: the peer sent close_notify' \
      "our server sees s_client's close_notify" "$SERVER_PID"
    stop_tls_peer_server
    expected=()
    for line in "${lines[@]}"; do expected+=("echo: $line"); done
    mapfile -t answered < <(grep -E '^echo: ' "$client_out")
    [[ "${answered[*]}" == "${expected[*]}" ]] ||
      fail "s_client did not get every answer in order: [${answered[*]}]"
    ours=$(grep -cE '^<<< TLS 1.3, Handshake .*, KeyUpdate$' "$client_out" || true)
    theirs=$(grep -cE '^>>> TLS 1.3, Handshake .*, KeyUpdate$' "$client_out" || true)
    ((ours >= count / (limit - 1))) || fail "s_client received only $ours KeyUpdates from us"
    ((theirs >= 3)) || fail "s_client sent only $theirs KeyUpdates (we asked for more)"
    sending=$(grep -c 'sending traffic keys updated' "$WORK/tls_peer_server.err" || true)
    receiving=$(grep -c 'receiving traffic keys updated' "$WORK/tls_peer_server.err" || true)
    ((sending == ours)) || fail "our server logged $sending sending updates, s_client saw $ours"
    ((receiving == theirs)) || fail "our server logged $receiving receiving updates, s_client sent $theirs"
    expect_not "$WORK/s_client.err" 'alert|error:' "s_client's error output"
    log "PASS: server: $ours KeyUpdates sent, $theirs received"
    ;;
  *) fail "unknown scenario $scenario" ;;
esac
