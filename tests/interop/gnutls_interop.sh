#!/usr/bin/env bash
# GnuTLS as a second independent TLS 1.3 stack: `gnutls-cli` against our server
# (tls_peer server --echo) and our client (tls_peer client) against `gnutls-serv --echo`.
# usage: gnutls_interop.sh SCENARIO, SCENARIO being server-CASE or client-CASE with CASE one of
#
#   aes128 | aes256 | chacha20   the GnuTLS side allows only that standard suite
#   x25519 | p256 | p384         the GnuTLS side allows only that group; our side offers it
#                                first (a key share for it, no HelloRetryRequest)
#   hello-retry                  a HelloRetryRequest is needed: gnutls-cli --single-key-share
#                                sends only an X448 share (we do not support X448), our server
#                                asks for X25519; gnutls-serv allows only secp384r1 and our
#                                client's first share is X25519
#   mutual                       client certificates: gnutls-serv --require-client-cert with
#                                --verify-client-cert; our server --require-client-cert
#   key-update                   KeyUpdate both ways: gnutls-cli's inline command ^rekey^
#                                (update_requested), which our server answers; our client's
#                                --key-update, which gnutls-serv answers
#
# Every client scenario also proves that the NewSessionTickets gnutls-serv sends after the
# handshake are ignored cleanly (the data exchange goes on after them). Lines go both ways and
# must come back verbatim; both sides must agree on suite and group.
#
# gnutls-serv has no option to listen on one address: it binds every interface on a free port
# (-p 0), which this script reads from /proc/net/tcp through the process's socket inodes.
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
scenario=${1:?usage: $0 server-CASE|client-CASE}
require_peer_tool
require_tool gnutls-cli
require_tool gnutls-serv

side=${scenario%%-*}
case_name=${scenario#*-}
[[ $side == client || $side == server ]] || fail "unknown scenario $scenario"

base_priority='NORMAL:-VERS-ALL:+VERS-TLS1.3'
gnutls_priority=$base_priority
gnutls_args=()
ours=()
expect_suite=TLS_AES_128_GCM_SHA256
expect_group=x25519
expect_retry=no
expect_peer=none
expect_own=none
gnutls_description=''
lines=("hello from the GnuTLS interop test" "a second line" "and a third")

case $case_name in
  aes128)
    gnutls_priority+=':-CIPHER-ALL:+AES-128-GCM'
    gnutls_description='AES-128-GCM'
    ;;
  aes256)
    gnutls_priority+=':-CIPHER-ALL:+AES-256-GCM'
    expect_suite=TLS_AES_256_GCM_SHA384
    gnutls_description='AES-256-GCM'
    ;;
  chacha20)
    gnutls_priority+=':-CIPHER-ALL:+CHACHA20-POLY1305'
    expect_suite=TLS_CHACHA20_POLY1305_SHA256
    gnutls_description='CHACHA20-POLY1305'
    ;;
  x25519)
    gnutls_priority+=':-GROUP-ALL:+GROUP-X25519'
    ours=(--groups x25519)
    gnutls_description='ECDHE-X25519'
    ;;
  p256)
    gnutls_priority+=':-GROUP-ALL:+GROUP-SECP256R1'
    ours=(--groups secp256r1 x25519)
    expect_group=secp256r1
    gnutls_description='ECDHE-SECP256R1'
    ;;
  p384)
    gnutls_priority+=':-GROUP-ALL:+GROUP-SECP384R1'
    ours=(--groups secp384r1 x25519)
    expect_group=secp384r1
    gnutls_description='ECDHE-SECP384R1'
    ;;
  hello-retry)
    expect_retry=yes
    if [[ $side == server ]]; then
      gnutls_priority+=':-GROUP-ALL:+GROUP-X448:+GROUP-X25519'
      gnutls_args=(--single-key-share)
      gnutls_description='ECDHE-X25519'
    else
      gnutls_priority+=':-GROUP-ALL:+GROUP-SECP384R1'
      expect_group=secp384r1
      gnutls_description='ECDHE-SECP384R1'
    fi
    ;;
  mutual) ;;
  key-update)
    lines=("before the key update" "^rekey^" "after the key update")
    ;;
  *) fail "unknown scenario $scenario" ;;
esac

make_pki ec ec

# listening_port_of PID : the TCP (IPv4) port PID listens on, from its sockets' inodes.
listening_port_of() {
  local pid=$1 fd link inode state local_address
  local -A inodes=()
  for fd in /proc/"$pid"/fd/*; do
    link=$(readlink "$fd" 2>/dev/null) || continue
    [[ $link =~ ^socket:\[([0-9]+)\]$ ]] && inodes[${BASH_REMATCH[1]}]=1
  done
  while read -r _ local_address _ state _ _ _ _ _ inode _; do
    [[ $state == 0A && -n ${inodes[$inode]:-} ]] || continue
    echo $((16#${local_address#*:}))
    return 0
  done < <(tail -n +2 /proc/net/tcp)
  return 1
}

# ---------------------------------------------------------------- our client, gnutls-serv
if [[ $side == client ]]; then
  serv_args=(--echo -p 0 --x509certfile "$PKI/server.pem" --x509keyfile "$PKI/server.key"
    --priority "$gnutls_priority" -d 4)
  client_args=("${ours[@]}")
  case $case_name in
    mutual)
      serv_args+=(--require-client-cert --verify-client-cert --x509cafile "$PKI/ca.pem")
      client_args+=(--cert "$PKI/client.pem" --key "$PKI/client.key")
      expect_own=ecdsa_secp256r1_sha256
      ;;
    key-update)
      client_args+=(--key-update)
      lines=("before the key update" "after the key update" "and one more")
      ;;
  esac
  start gnutls_serv gnutls-serv "${serv_args[@]}"
  SERVER_PID=$LAST_PID
  wait_for "$WORK/gnutls_serv.err" "listening on IPv4" "gnutls-serv start" "$SERVER_PID"
  deadline=$((SECONDS + STEP_TIMEOUT))
  SERVER_PORT=''
  until [[ -n $SERVER_PORT ]]; do
    ((SECONDS < deadline)) || fail "gnutls-serv's listening port did not show within $STEP_TIMEOUT s"
    serv_pid=''
    read -r serv_pid _ <"/proc/$SERVER_PID/task/$SERVER_PID/children" 2>/dev/null || true
    [[ -n $serv_pid ]] && SERVER_PORT=$(listening_port_of "$serv_pid" || true)
    [[ -n $SERVER_PORT ]] || sleep 0.1
  done
  log "gnutls-serv (pid $serv_pid) listening on port $SERVER_PORT"
  send_args=()
  for line in "${lines[@]}"; do send_args+=(--send "$line"); done
  run_tls_peer_client --server-name localhost "${client_args[@]}" "${send_args[@]}"
  client_out=$WORK/tls_peer_client.out
  client_err=$WORK/tls_peer_client.err
  ((CLIENT_STATUS == 0)) || fail "our client exited with status $CLIENT_STATUS"
  # gnutls-serv serves on until SIGTERM, after which it flushes its (buffered) report.
  stop_process "$SERVER_PID"
  expect "$client_out" "^handshake: version=TLSv1.3 suite=$expect_suite group=$expect_group hello_retry_request=$expect_retry peer_signature=ecdsa_secp256r1_sha256 own_signature=$expect_own peer=.*CN ?= ?localhost" \
    "negotiated parameters seen by our client"
  expect "$WORK/gnutls_serv.out" '^- Description: \(TLS1.3' "gnutls-serv's session description"
  [[ -z $gnutls_description ]] ||
    expect "$WORK/gnutls_serv.out" "^- Description: .*\\($gnutls_description\\)" "gnutls-serv's view"
  # RFC 8446 section 4.6.1: gnutls-serv sends NewSessionTickets; our client drops them.
  expect "$WORK/gnutls_serv.err" 'NEW SESSION TICKET' "gnutls-serv sent a NewSessionTicket"
  expected=()
  for line in "${lines[@]}"; do
    expected+=("sent: $line" "received: $line")
    if [[ $case_name == key-update && ${#expected[@]} == 2 ]]; then
      expected+=("key-update: sent KeyUpdate (update_requested)")
    fi
  done
  mapfile -t exchanged < <(grep -E '^(sent|received|key-update): ' "$client_out")
  [[ "${exchanged[*]}" == "${expected[*]}" ]] ||
    fail "application data: expected [${expected[*]}] but our client printed [${exchanged[*]}]"
  if [[ $case_name == key-update ]]; then
    expect_count "$client_err" 'sending traffic keys updated' 1 "our KeyUpdate"
    expect_count "$client_err" 'receiving traffic keys updated' 1 "gnutls-serv's answering KeyUpdate"
  fi
  if [[ $case_name == mutual ]]; then
    expect "$WORK/gnutls_serv.out" 'interop-client' "gnutls-serv saw our client certificate"
  fi
  expect "$client_out" '^closed: close_notify sent$' "our client closed"
  log "PASS: $scenario"
  exit 0
fi

# ---------------------------------------------------------------- gnutls-cli, our server
server_args=(--echo "${ours[@]}")
cli_args=(--x509cafile "$PKI/ca.pem" --priority "$gnutls_priority" "${gnutls_args[@]}")
case $case_name in
  mutual)
    server_args+=(--ca-file "$PKI/ca.pem" --require-client-cert)
    cli_args+=(--x509certfile "$PKI/client.pem" --x509keyfile "$PKI/client.key")
    expect_peer='.*CN ?= ?interop-client'
    expect_peer_signature=ecdsa_secp256r1_sha256
    ;;
  key-update) cli_args+=(--inline-commands) ;;
esac
start_tls_peer_server "${server_args[@]}"
mkfifo "$WORK/gnutls_cli.in"
exec {CLIENT_INPUT}<>"$WORK/gnutls_cli.in"
STDIN_FROM=$WORK/gnutls_cli.in start gnutls_cli gnutls-cli -p "$SERVER_PORT" "${cli_args[@]}" localhost
CLIENT_PID=$LAST_PID
server_out=$WORK/tls_peer_server.out
client_out=$WORK/gnutls_cli.out
wait_for "$client_out" '^- Handshake was completed' "gnutls-cli completes the handshake" "$CLIENT_PID"
wait_for "$server_out" '^handshake: ' "our server completes the handshake" "$SERVER_PID"
echoed=0
for line in "${lines[@]}"; do
  printf '%s\n' "$line" >&"$CLIENT_INPUT"
  if [[ $line == '^rekey^' ]]; then
    wait_for "$client_out" '^- Rekey was completed' "gnutls-cli's KeyUpdate" "$CLIENT_PID"
    continue
  fi
  echoed=$((echoed + 1))
  deadline=$((SECONDS + STEP_TIMEOUT))
  until (($(grep -cxF -f <(printf '%s\n' "${lines[@]}") "$client_out" || true) >= echoed)); do
    ((SECONDS < deadline)) || fail "no echo of line $echoed within $STEP_TIMEOUT s"
    kill -0 "$CLIENT_PID" 2>/dev/null || fail "gnutls-cli ended while waiting for echo $echoed"
    sleep 0.1
  done
done
exec {CLIENT_INPUT}>&-
wait_exit "$CLIENT_PID" "gnutls-cli after the end of its input"
((EXIT_STATUS == 0)) || fail "gnutls-cli exited with status $EXIT_STATUS"
wait_for "$server_out" '^closed: the peer sent close_notify' "our server sees close_notify" "$SERVER_PID"
stop_tls_peer_server
expect "$server_out" "^handshake: version=TLSv1.3 suite=$expect_suite group=$expect_group hello_retry_request=$expect_retry peer_signature=${expect_peer_signature:-none} own_signature=ecdsa_secp256r1_sha256 peer=$expect_peer from=" \
  "negotiated parameters seen by our server"
expect "$client_out" '^- Status: The certificate is trusted' "gnutls-cli verified our certificate"
expect "$client_out" '^- Description: \(TLS1.3-X.509\)' "gnutls-cli's session description"
[[ -z $gnutls_description ]] ||
  expect "$client_out" "^- Description: .*\\($gnutls_description\\)" "gnutls-cli's view"
expected=()
for line in "${lines[@]}"; do [[ $line == '^rekey^' ]] || expected+=("$line"); done
mapfile -t echoed_lines < <(grep -xF -f <(printf '%s\n' "${expected[@]}") "$client_out")
[[ "${echoed_lines[*]}" == "${expected[*]}" ]] ||
  fail "echo: expected [${expected[*]}] but gnutls-cli printed [${echoed_lines[*]}]"
expect "$server_out" "^echoed: ${#expected[@]} records, " "our server echoed every record"
if [[ $case_name == key-update ]]; then
  expect_count "$WORK/tls_peer_server.err" 'receiving traffic keys updated' 1 "gnutls-cli's KeyUpdate"
  expect_count "$WORK/tls_peer_server.err" 'sending traffic keys updated' 1 "our answering KeyUpdate"
fi
expect_not "$WORK/gnutls_cli.err" '[Ee]rror|[Aa]lert' "gnutls-cli's error output"
log "PASS: $scenario"
