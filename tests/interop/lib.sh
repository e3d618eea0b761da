# shellcheck shell=bash
# Shared by the interop test scripts (sourced, not run).
#
# Every test gets a private work folder, throw-away certificates made with the openssl CLI
# (an independent implementation: our own PKI code is not involved), peers started on
# 127.0.0.1 with port 0 (the port is read back from their output), and a cleanup that stops
# every process it started by process id. Each wait is bounded (STEP_TIMEOUT seconds), and
# each started process runs under `timeout`, so a test can fail but never hang.
#
# Exit status: 0 pass, 1 fail, 77 skip (CTest SKIP_RETURN_CODE). Missing tools are a failure
# under CI=true and a skip elsewhere.
# shellcheck disable=SC2034 # variables here are read by the scripts that source this file
set -euo pipefail

OPENSSL=${OPENSSL:-openssl}
STEP_TIMEOUT=${STEP_TIMEOUT:-20}      # seconds for any one wait
PROCESS_TIMEOUT=${PROCESS_TIMEOUT:-90} # hard limit for every started process

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc-interop.XXXXXX")
STARTED_PIDS=()
TEST_NAME=$(basename "$0" .sh)${1:+ $1}

log() { echo "[$TEST_NAME] $*"; }

show_logs() {
  local file
  for file in "$WORK"/*.out "$WORK"/*.err; do
    [[ -s $file ]] || continue
    echo "----- $(basename "$file") (last 60 lines)"
    tail -n 60 "$file"
  done
}

fail() {
  echo "[$TEST_NAME] FAIL: $*" >&2
  exit 1
}

skip_or_fail() {
  if [[ ${CI:-} == true ]]; then
    fail "$* (required under CI=true)"
  fi
  echo "[$TEST_NAME] SKIP: $*" >&2
  exit 77
}

stop_process() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited < 50)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  local pid
  for pid in "${STARTED_PIDS[@]}"; do stop_process "$pid"; done
  if ((status != 0 && status != 77)); then
    show_logs >&2
  fi
  if [[ -n ${SC_INTEROP_KEEP:-} ]]; then
    echo "[$TEST_NAME] work folder kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT

require_tool() {
  command -v "$1" >/dev/null 2>&1 || skip_or_fail "$1 is not installed"
}

require_peer_tool() {
  [[ -n ${TLS_PEER:-} && -x ${TLS_PEER:-} ]] ||
    fail "TLS_PEER must name the built tls_peer executable (got '${TLS_PEER:-}')"
  require_tool "$OPENSSL"
  local version
  version=$("$OPENSSL" version)
  [[ $version == "OpenSSL 3."* ]] || skip_or_fail "need OpenSSL 3.x for the peer, found: $version"
}

# start NAME COMMAND... : runs COMMAND in the background with stdout in $WORK/NAME.out and
# stderr in $WORK/NAME.err, stdin from /dev/null unless STDIN_FROM names a file/fifo.
# Sets LAST_PID; the process is stopped at exit if still running.
start() {
  local name=$1
  shift
  local input=${STDIN_FROM:-/dev/null}
  if [[ -n ${CLIENT_INPUT:-} ]]; then
    # The child must not inherit the test's write end of s_client's fifo, or EOF never comes.
    timeout -k 5 "$PROCESS_TIMEOUT" "$@" <"$input" >"$WORK/$name.out" 2>"$WORK/$name.err" \
      {CLIENT_INPUT}>&- &
  else
    timeout -k 5 "$PROCESS_TIMEOUT" "$@" <"$input" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  fi
  LAST_PID=$!
  STARTED_PIDS+=("$LAST_PID")
}

# wait_for FILE REGEX WHAT [PID] : polls until FILE holds a line matching REGEX (grep -E);
# fails when STEP_TIMEOUT passes or PID exits first.
wait_for() {
  local file=$1 pattern=$2 what=$3 pid=${4:-}
  local deadline=$((SECONDS + STEP_TIMEOUT))
  while ((SECONDS < deadline)); do
    if grep -qE -- "$pattern" "$file" 2>/dev/null; then return 0; fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      grep -qE -- "$pattern" "$file" 2>/dev/null && return 0
      fail "$what: the process ended before $(basename "$file") showed /$pattern/"
    fi
    sleep 0.1
  done
  fail "$what: $(basename "$file") did not show /$pattern/ within $STEP_TIMEOUT s"
}

# wait_exit PID WHAT : waits (bounded) for PID to end; sets EXIT_STATUS.
wait_exit() {
  local pid=$1 what=$2
  local deadline=$((SECONDS + STEP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "$what did not end within $STEP_TIMEOUT s"
    sleep 0.1
  done
  EXIT_STATUS=0
  wait "$pid" || EXIT_STATUS=$?
}

# expect FILE REGEX WHAT / expect_not FILE REGEX WHAT / expect_count FILE REGEX N WHAT
expect() {
  grep -qE -- "$2" "$1" || fail "$3: $(basename "$1") lacks /$2/"
}
expect_not() {
  if grep -qE -- "$2" "$1"; then
    fail "$3: $(basename "$1") shows /$2/: $(grep -m1 -E -- "$2" "$1")"
  fi
}
expect_count() {
  local count
  count=$(grep -cE -- "$2" "$1" || true)
  ((count == $3)) || fail "$4: $(basename "$1") has $count lines matching /$2/, expected $3"
}

# ---------------------------------------------------------------- certificates
# make_pki SERVER_KEY CLIENT_KEY (each "rsa", "ec" (P-256) or "ec384" (P-384)): a test CA
# (ECDSA P-256) and, issued by it, a server certificate (CN=localhost, SAN DNS:localhost and IP:127.0.0.1, EKU serverAuth)
# and a client certificate (CN=interop-client, EKU clientAuth), all in $WORK/pki.
# Private keys are mode 0600 (tls_peer refuses others).
PKI=$WORK/pki

new_key() {
  local type=$1 file=$2
  case $type in
    rsa) "$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$file" 2>/dev/null ;;
    ec) "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$file" 2>/dev/null ;;
    ec384) "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$file" 2>/dev/null ;;
    *) fail "unknown key type $type" ;;
  esac
  chmod 600 "$file"
}

issue() {
  local name=$1 key_type=$2 subject=$3 extensions=$4
  new_key "$key_type" "$PKI/$name.key"
  printf '%b\n' "$extensions" >"$PKI/$name.ext"
  "$OPENSSL" req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  "$OPENSSL" x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
    -set_serial "0x$("$OPENSSL" rand -hex 12)" -days 2 -sha256 \
    -extfile "$PKI/$name.ext" -out "$PKI/$name.pem" 2>/dev/null ||
    fail "openssl could not issue the $name certificate"
}

make_pki() {
  local server_key=${1:-ec} client_key=${2:-ec}
  mkdir -p "$PKI"
  cat >"$PKI/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = ca_extensions
[dn]
C = DE
O = SecureChannel Interop
CN = Interop Test CA
[ca_extensions]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
  new_key ec "$PKI/ca.key"
  "$OPENSSL" req -x509 -new -config "$PKI/ca.cnf" -key "$PKI/ca.key" -days 2 -sha256 \
    -set_serial "0x$("$OPENSSL" rand -hex 12)" -out "$PKI/ca.pem" 2>/dev/null ||
    fail "openssl could not make the test CA"
  local common='basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid'
  issue server "$server_key" "/C=DE/O=SecureChannel Interop/CN=localhost" \
    "$common\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost,IP:127.0.0.1"
  issue client "$client_key" "/C=DE/O=SecureChannel Interop/CN=interop-client" \
    "$common\nextendedKeyUsage = clientAuth"
  # A second, unrelated CA: trusting only it must refuse the chains above.
  new_key ec "$PKI/other-ca.key"
  "$OPENSSL" req -x509 -new -config "$PKI/ca.cnf" -subj "/C=DE/O=Elsewhere/CN=Other Test CA" \
    -key "$PKI/other-ca.key" -days 2 -sha256 \
    -set_serial "0x$("$OPENSSL" rand -hex 12)" -out "$PKI/other-ca.pem" 2>/dev/null ||
    fail "openssl could not make the second test CA"
  "$OPENSSL" verify -x509_strict -purpose sslserver -CAfile "$PKI/ca.pem" "$PKI/server.pem" \
    >/dev/null || fail "the test server certificate does not verify with openssl"
  "$OPENSSL" verify -x509_strict -purpose sslclient -CAfile "$PKI/ca.pem" "$PKI/client.pem" \
    >/dev/null || fail "the test client certificate does not verify with openssl"
}

# ---------------------------------------------------------------- peers
# start_tls_peer_server ARGS... : our server on a free port; sets SERVER_PID and SERVER_PORT.
start_tls_peer_server() {
  start tls_peer_server "$TLS_PEER" server --listen 127.0.0.1:0 --cert "$PKI/server.pem" \
    --key "$PKI/server.key" --handshake-timeout 10 --idle-timeout 30 "$@"
  SERVER_PID=$LAST_PID
  wait_for "$WORK/tls_peer_server.out" '^listening on [0-9]+$' "tls_peer server start" "$SERVER_PID"
  SERVER_PORT=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$WORK/tls_peer_server.out" | head -n1)
  log "tls_peer server (pid $SERVER_PID) listening on 127.0.0.1:$SERVER_PORT"
}

# stop_tls_peer_server : SIGTERM by pid, then checks it stopped gracefully.
stop_tls_peer_server() {
  kill -TERM "$SERVER_PID"
  wait_exit "$SERVER_PID" "tls_peer server after SIGTERM"
  ((EXIT_STATUS == 0)) || fail "tls_peer server exited with status $EXIT_STATUS after SIGTERM"
  expect "$WORK/tls_peer_server.out" '^stopped$' "tls_peer server graceful stop"
}

# start_s_server ARGS... : `openssl s_server -tls1_3 -rev` for one connection on a free port;
# sets SERVER_PID and SERVER_PORT. -msg lists every message sent (>>>) and received (<<<).
start_s_server() {
  start s_server "$OPENSSL" s_server -tls1_3 -accept 127.0.0.1:0 -naccept 1 -rev -msg \
    -cert "$PKI/server.pem" -key "$PKI/server.key" "$@"
  SERVER_PID=$LAST_PID
  wait_for "$WORK/s_server.out" '^ACCEPT 127\.0\.0\.1:[0-9]+' "openssl s_server start" "$SERVER_PID"
  SERVER_PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/s_server.out" | head -n1)
  log "openssl s_server (pid $SERVER_PID) listening on 127.0.0.1:$SERVER_PORT"
}

# run_tls_peer_client ARGS... : our client against 127.0.0.1:$SERVER_PORT in the foreground
# (bounded), trusting CLIENT_CA_FILE (default the test CA); output in tls_peer_client.out/.err,
# exit status in CLIENT_STATUS.
run_tls_peer_client() {
  CLIENT_STATUS=0
  timeout -k 5 "$((STEP_TIMEOUT * 2))" "$TLS_PEER" client --connect "127.0.0.1:$SERVER_PORT" \
    --ca-file "${CLIENT_CA_FILE:-$PKI/ca.pem}" --handshake-timeout 10 --idle-timeout 15 "$@" \
    </dev/null >"$WORK/tls_peer_client.out" 2>"$WORK/tls_peer_client.err" || CLIENT_STATUS=$?
}

# start_s_client ARGS... : `openssl s_client -tls1_3` (S_CLIENT_VERSION overrides the version
# flag) against our server, its stdin a fifo the test writes lines into (send_line); sets
# CLIENT_PID.
start_s_client() {
  mkfifo "$WORK/s_client.in"
  # Open read-write so neither side blocks; closing it (end_input) gives s_client its EOF.
  exec {CLIENT_INPUT}<>"$WORK/s_client.in"
  STDIN_FROM=$WORK/s_client.in start s_client "$OPENSSL" s_client "${S_CLIENT_VERSION:--tls1_3}" \
    -connect "127.0.0.1:$SERVER_PORT" -CAfile "$PKI/ca.pem" -verify_return_error \
    -verify_hostname localhost -servername localhost -msg "$@"
  CLIENT_PID=$LAST_PID
}

send_line() {
  printf '%s\n' "$1" >&"$CLIENT_INPUT"
}

# end_input : EOF on s_client's stdin; it then sends close_notify and exits.
end_input() {
  exec {CLIENT_INPUT}>&-
}

reversed() {
  printf '%s\n' "$1" | rev
}

# ---------------------------------------------------------------- OCSP
# make_ocsp_response NAME : an OCSP response (DER) saying "good" for $PKI/NAME.pem, signed by
# the test CA itself (RFC 6960 section 4.2.2.2: the issuer may sign), made with the openssl CLI
# from a one-line index (V, end date, no revocation date, serial, file, subject) in
# $PKI/NAME.ocsp/; the response is left in $PKI/NAME.ocsp.der.
make_ocsp_response() {
  local name=$1
  local folder=$PKI/$name.ocsp
  mkdir -p "$folder"
  local not_after serial subject
  not_after=$("$OPENSSL" x509 -in "$PKI/$name.pem" -noout -enddate | sed 's/^notAfter=//')
  serial=$("$OPENSSL" x509 -in "$PKI/$name.pem" -noout -serial | sed 's/^serial=//')
  subject=$("$OPENSSL" x509 -in "$PKI/$name.pem" -noout -subject -nameopt compat |
    sed 's/^subject=//')
  printf 'V\t%s\t\t%s\tunknown\t%s\n' "$(date -u -d "$not_after" +%y%m%d%H%M%SZ)" "$serial" \
    "$subject" >"$folder/index.txt"
  "$OPENSSL" ocsp -issuer "$PKI/ca.pem" -cert "$PKI/$name.pem" -reqout "$folder/req.der" \
    -no_nonce >"$folder/request.out" 2>&1 || fail "openssl could not make the OCSP request for $name"
  "$OPENSSL" ocsp -index "$folder/index.txt" -rsigner "$PKI/ca.pem" -rkey "$PKI/ca.key" \
    -CA "$PKI/ca.pem" -reqin "$folder/req.der" -respout "$PKI/$name.ocsp.der" -ndays 1 \
    >"$folder/response.out" 2>&1 || fail "openssl could not make the OCSP response for $name"
  "$OPENSSL" ocsp -respin "$PKI/$name.ocsp.der" -CAfile "$PKI/ca.pem" -issuer "$PKI/ca.pem" \
    -cert "$PKI/$name.pem" >"$folder/check.out" 2>&1 ||
    fail "openssl does not accept its own OCSP response for $name: $(cat "$folder/check.out")"
  grep -q "$name.pem: good" "$folder/check.out" ||
    fail "the OCSP response for $name does not say good: $(cat "$folder/check.out")"
}
