#!/usr/bin/env bash
# tls_peer server's --http and --echo modes, seen through `openssl s_client -msg`, which shows
# every record header and each record's inner content type. usage: tls_peer_modes.sh http|echo
#
#   http   s_client -crlf sends "GET /probe HTTP/1.0" and a blank line: our server answers with
#          exactly one application data record holding "HTTP/1.0 200 OK" and the request line,
#          then close_notify, and s_client ends on it (like openssl s_server -www).
#   echo   s_client sends lines of different lengths, one record each: our server returns the
#          same bytes with one record of the same length per record received.
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
scenario=${1:?usage: $0 http|echo}
require_peer_tool

# The lengths of the protected records in one direction (">>>" sent by s_client, "<<<"
# received) whose inner content type is application data (23, "17" in hex).
app_data_records() {
  local direction=$1 file=$2 hex
  # A RecordHeader line, its hex bytes (type, version, length), then for a protected record an
  # InnerContent line and its one hex byte, the inner content type.
  awk -v dir="$direction" '
    ($1 == ">>>" || $1 == "<<<") && $4 != "InnerContent" { pending = 0 }
    $1 == dir && $4 == "RecordHeader" { header = 1; next }
    header == 1 { length_hex = $4 $5; header = 0; pending = 1; next }
    $1 == dir && $4 == "InnerContent" { inner = pending; pending = 0; next }
    inner == 1 { if ($1 == "17") print length_hex; inner = 0; next }
  ' "$file" | while read -r hex; do echo $((16#$hex)); done
}

make_pki ec ec
server_out=$WORK/tls_peer_server.out
client_out=$WORK/s_client.out

case $scenario in
  http)
    start_tls_peer_server --http
    start_s_client -crlf
    wait_for "$server_out" '^handshake: ' "our server completes the handshake" "$SERVER_PID"
    send_line "GET /probe HTTP/1.0"
    send_line ""
    # Our close_notify ends s_client although its input is still open.
    wait_exit "$CLIENT_PID" "openssl s_client after our close_notify"
    wait_for "$server_out" '^http: answered GET /probe HTTP/1.0 from=' "our server's report" "$SERVER_PID"
    end_input
    stop_tls_peer_server
    expect "$client_out" '^HTTP/1.0 200 OK' "the status line"
    expect "$client_out" '^request: GET /probe HTTP/1.0' "the request line in the body"
    expect "$client_out" '^tls_peer: TLS 1.3, TLS_AES_128_GCM_SHA256, x25519' "the body"
    expect "$client_out" '^<<< TLS 1.3, Alert .*warning close_notify$' "our close_notify"
    mapfile -t received < <(app_data_records '<<<' "$client_out")
    ((${#received[@]} == 1)) ||
      fail "the response came in ${#received[@]} application data records, expected 1"
    log "PASS: http: one record of ${received[0]} bytes, then close_notify"
    ;;
  echo)
    start_tls_peer_server --echo
    # shellcheck disable=SC2119 # no extra s_client options
    start_s_client
    wait_for "$server_out" '^handshake: ' "our server completes the handshake" "$SERVER_PID"
    lines=("a" "a somewhat longer line" "$(printf 'x%.0s' {1..300})" "tab	and spaces  " "end")
    count=0
    for line in "${lines[@]}"; do
      send_line "$line"
      count=$((count + 1))
      deadline=$((SECONDS + STEP_TIMEOUT))
      # The echoed line is printed by s_client among its -msg lines; wait for its record.
      until (($(app_data_records '<<<' "$client_out" | wc -l) >= count)); do
        ((SECONDS < deadline)) || fail "no echo of line $count within $STEP_TIMEOUT s"
        kill -0 "$CLIENT_PID" 2>/dev/null || fail "s_client ended while waiting for echo $count"
        sleep 0.1
      done
    done
    end_input
    wait_exit "$CLIENT_PID" "openssl s_client after the end of its input"
    ((EXIT_STATUS == 0)) || fail "s_client exited with status $EXIT_STATUS"
    wait_for "$server_out" '^echoed: 5 records, ' "our server's count" "$SERVER_PID"
    stop_tls_peer_server
    for line in "${lines[@]}"; do
      grep -qxF -- "$line" "$client_out" || fail "the line '$line' did not come back verbatim"
    done
    mapfile -t sent < <(app_data_records '>>>' "$client_out")
    mapfile -t received < <(app_data_records '<<<' "$client_out")
    ((${#sent[@]} == 5)) || fail "s_client sent ${#sent[@]} application data records, expected 5"
    [[ "${sent[*]}" == "${received[*]}" ]] ||
      fail "record lengths differ: sent [${sent[*]}], received [${received[*]}]"
    log "PASS: echo: records of [${received[*]}] bytes came back one for one"
    ;;
  *) fail "unknown scenario $scenario" ;;
esac
expect_not "$WORK/s_client.err" 'alert|error:' "s_client's error output"
