#!/usr/bin/env bash
# Wireshark's dissector (tshark) as an independent judge of our wire format: capture one
# tls_peer client -> tls_peer server connection on the loopback interface, then check that
# tshark dissects a TLS 1.3 handshake and, given our key log, decrypts the handshake and the
# application data. Without the key log the same capture must not show the text (control).
#
# Capturing needs CAP_NET_RAW (root in CI). Where it is not available the test is skipped,
# except under CI=true where it fails.
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
require_peer_tool
require_tool tshark

make_pki ec ec
marker="interop-tshark-marker-$RANDOM$RANDOM"
start_tls_peer_server --keylog-file "$WORK/server.keylog"

start tshark tshark -n -i lo -f "tcp port $SERVER_PORT" -w "$WORK/capture.pcapng"
capture_pid=$LAST_PID
deadline=$((SECONDS + STEP_TIMEOUT))
until grep -qE 'Capture started|Capturing on' "$WORK/tshark.err" 2>/dev/null; do
  if ! kill -0 "$capture_pid" 2>/dev/null || ((SECONDS >= deadline)); then
    reason=$(grep -m1 -iE "permission|operation not permitted|don't have|error" "$WORK/tshark.err" || true)
    skip_or_fail "cannot capture on the loopback interface: ${reason:-tshark did not start}"
  fi
  sleep 0.1
done
# "Capture started" is printed once dumpcap runs; give the filter a moment to be installed by
# sending a throw-away TCP connection and waiting until the capture has seen it.
probe_deadline=$((SECONDS + STEP_TIMEOUT))
while :; do
  (exec 3<>"/dev/tcp/127.0.0.1/$SERVER_PORT") 2>/dev/null || true
  sleep 0.3
  packets=$(tshark -r "$WORK/capture.pcapng" 2>/dev/null | wc -l || true)
  ((packets > 0)) && break
  ((SECONDS < probe_deadline)) || skip_or_fail "the loopback capture records no packets"
done

run_tls_peer_client --keylog-file "$WORK/client.keylog" --send "$marker"
((CLIENT_STATUS == 0)) || fail "our client exited with status $CLIENT_STATUS"
expect "$WORK/tls_peer_client.out" "^received: echo: $marker\$" "our server answered the marker"
wait_for "$WORK/tls_peer_server.out" '^closed: the peer sent close_notify' "server sees close_notify" "$SERVER_PID"
stop_tls_peer_server
sleep 0.5 # let the last FIN/ACK reach the capture file
kill -INT "$capture_pid"
wait_exit "$capture_pid" "tshark capture after SIGINT"

# Client and server logs must name the same secrets (same connection, same client random).
tls_only() { tshark -n -r "$WORK/capture.pcapng" -d "tcp.port==$SERVER_PORT,tls" "$@"; }
tls_only -o "tls.keylog_file:$WORK/client.keylog" -Y tls -V >"$WORK/dissection.out" 2>"$WORK/dissection.err"
dissection=$WORK/dissection.out
expect "$dissection" 'Handshake Type: Client Hello \(1\)' "tshark sees the ClientHello"
expect "$dissection" 'Handshake Type: Server Hello \(2\)' "tshark sees the ServerHello"
expect "$dissection" 'Supported Version: TLS 1\.3 \(0x0304\)' "supported_versions names TLS 1.3"
# Decrypted with our key log: the encrypted handshake messages and the application data.
expect "$dissection" 'Handshake Type: Encrypted Extensions \(8\)' "handshake decrypted with our key log"
expect "$dissection" 'Handshake Type: Certificate Verify \(15\)' "CertificateVerify decrypted"
expect_count "$dissection" 'Handshake Type: Finished \(20\)' 2 "both Finished messages decrypted"
expect "$dissection" '\[Content Type: Application Data \(23\)\]' "inner content type of application data"
expect_not "$dissection" 'Malformed Packet|Expert Info \(Error' "tshark finds no malformed records"

tls_only -o "tls.keylog_file:$WORK/client.keylog" -o data.show_as_text:TRUE -Y data -T fields \
  -e data.text >"$WORK/decrypted.out" 2>/dev/null
expect "$WORK/decrypted.out" "^$marker(\\\\n)?\$" "decrypted client data (the marker line)"
expect "$WORK/decrypted.out" "^echo: $marker(\\\\n)?\$" "decrypted server data (the echoed line)"

# The server's key log decrypts it just as well.
tls_only -o "tls.keylog_file:$WORK/server.keylog" -o data.show_as_text:TRUE -Y data -T fields \
  -e data.text >"$WORK/decrypted-server-log.out" 2>/dev/null
expect "$WORK/decrypted-server-log.out" "^echo: $marker(\\\\n)?\$" "decrypted with the server's key log"

# Control: without the key log nothing is readable.
tls_only -o data.show_as_text:TRUE -Y data -T fields -e data.text >"$WORK/undecrypted.out" 2>/dev/null || true
expect_not "$WORK/undecrypted.out" "$marker" "the capture without a key log"
log "PASS: tshark dissects our TLS 1.3 handshake and decrypts it with our key log"
