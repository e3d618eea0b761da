#!/usr/bin/env bash
# Measures the product against OpenSSL and against what libcrypto itself can do, on this
# machine, in one run; prints one table and writes it to docs/PERFORMANCE.md.
#
#   scripts/bench.sh                 # about 3 minutes on 2 cores
#   QUICK=1 scripts/bench.sh         # about 2 minutes, smaller sizes
#   BUILD_DIR=out RUNS=5 SECONDS_PER_RUN=3 scripts/bench.sh
#   OUTPUT=/tmp/perf.md scripts/bench.sh   # write the page elsewhere
#
# Every figure is measured here; nothing is a target. Noisy figures are the median of RUNS runs.
# Sections: (1) in-memory engine, one thread (tests/bench/bench_engine); (2) ceilings from
# `openssl speed`; (3) handshakes/s over loopback, our server vs `openssl s_server` driven by
# the same load generator (tests/bench/bench_load, our client); (4) memory per idle connection
# and handshakes/s with 1, 2, 4 server threads; (5) OTP request+confirm against the real
# bank_server (tests/bench/bench_otp) and the latency of one full flow; then (6) the scale-out
# figures of scripts/bench-scale.sh (SQLite vs PostgreSQL, two instances on one database, the
# latency of a push crossing instances), written as their own section of the page (SCALE=0
# skips them; they need the PostgreSQL server binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  : "${RUNS:=1}" "${SECONDS_PER_RUN:=1}" "${SPEED_SECONDS:=1}" "${IDLE_COUNTS:=1000 3000}"
  : "${FLOWS:=30}"
else
  : "${RUNS:=3}" "${SECONDS_PER_RUN:=2}" "${SPEED_SECONDS:=3}" "${IDLE_COUNTS:=1000 10000}"
  : "${FLOWS:=200}"
fi
CONCURRENCY=${CONCURRENCY:-8}       # load generator coroutines
OTP_CHANNELS=${OTP_CHANNELS:-4}     # established channels for the OTP round-trip rate
LOOPBACK_SUITE=${LOOPBACK_SUITE:-TLS_AES_128_GCM_SHA256}
OPENSSL=${OPENSSL:-openssl}
OUTPUT=${OUTPUT:-docs/PERFORMANCE.md}
# The Release build of scripts/setup.sh (the same binaries users run).
BUILD_DIR=${BUILD_DIR:-build}

log() { echo "[bench] $*" >&2; }

# ---------------------------------------------------------------- build
if [[ -z ${SKIP_BUILD:-} ]]; then
  log "building (Release) into $BUILD_DIR/"
  BUILD_DIR=$BUILD_DIR scripts/setup.sh >/dev/null
fi
TOOLS=$ROOT/$BUILD_DIR/tests/bin
BIN=$ROOT/$BUILD_DIR/bin

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc-bench.XXXXXX")
RESULTS=$WORK/results.txt
: >"$RESULTS"
STARTED=()
cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

record() { echo "$*" >>"$RESULTS"; }
value() { awk -v key="$1" '$1 == key { print $NF; exit }' "$RESULTS"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
  if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
  else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# Stops one process we started (by its id).
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Waits until FILE contains a line matching PATTERN (at most 60 s) and prints that line.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3
  for _ in $(seq 600); do
    if grep -q "$pattern" "$file" 2>/dev/null; then
      grep -m1 "$pattern" "$file"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log "no \"$pattern\" from process $pid; its output:"
  tail -n 20 "$file" >&2
  return 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# ---------------------------------------------------------------- test certificates (RSA-2048)
PKI=$WORK/pki
mkdir -p "$PKI"
(
  cd "$PKI"
  make_key() { "$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; chmod 600 "$1"; }
  make_key ca.key
  "$OPENSSL" req -x509 -new -key ca.key -days 30 -subj "/C=DE/O=Bench/CN=Bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem 2>/dev/null
  for who in server client; do
    make_key $who.key
    "$OPENSSL" req -new -key $who.key -subj "/C=DE/O=Bench/CN=$who" -out $who.csr 2>/dev/null
  done
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >common.ext
  { cat common.ext; echo "extendedKeyUsage=serverAuth"; echo "subjectAltName=DNS:localhost,IP:127.0.0.1"; } >server.ext
  { cat common.ext; echo "extendedKeyUsage=clientAuth"; } >client.ext
  for who in server client; do
    "$OPENSSL" x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -set_serial "0x$("$OPENSSL" rand -hex 8)" \
      -days 30 -extfile $who.ext -out $who.pem 2>/dev/null
  done
)

# ---------------------------------------------------------------- 1. in-memory engine
log "1/5 in-memory engine (${RUNS} runs of ${SECONDS_PER_RUN} s per figure)"
"$TOOLS/bench_engine" --pki "$PKI" --seconds "$SECONDS_PER_RUN" --runs "$RUNS" | tee -a "$RESULTS" >&2

# ---------------------------------------------------------------- 2. ceilings
log "2/5 ceilings: openssl speed (${SPEED_SECONDS} s each)"
for aead in aes-128-gcm aes-256-gcm chacha20-poly1305; do
  # -aead: TLS-like sequence (nonce, AAD, encrypt, tag) per 16 KiB buffer; +F is bytes/s.
  for direction in seal open; do
    flag=()
    [[ $direction == open ]] && flag=(-decrypt)
    bytes_per_s=$("$OPENSSL" speed -elapsed -seconds "$SPEED_SECONDS" -bytes 16384 -aead "${flag[@]}" \
      -evp "$aead" -mr 2>/dev/null | awk -F: '/^\+F:/ { print $4 }')
    record "ceiling_${direction}_MBps $aead $(awk -v b="$bytes_per_s" 'BEGIN { printf "%.1f", b / 1e6 }')"
  done
done
record "ceiling_rsa2048_sign_per_s $("$OPENSSL" speed -elapsed -seconds "$SPEED_SECONDS" -mr rsa2048 2>/dev/null |
  awk -F: '/^\+F2:/ { print $4 }')"
record "ceiling_x25519_per_s $("$OPENSSL" speed -elapsed -seconds "$SPEED_SECONDS" -mr ecdhx25519 2>/dev/null |
  awk -F: '/^\+F5:/ { print $4 }')"
grep ceiling "$RESULTS" >&2

# ---------------------------------------------------------------- 3. loopback vs openssl s_server
start_our_server() {  # threads max_connections -> sets SERVER_PID, SERVER_PORT
  local out=$WORK/our-server.$RANDOM.out
  "$TOOLS/tls_peer" server --listen 127.0.0.1:0 --cert "$PKI/server.pem" --key "$PKI/server.key" \
    --suites "$LOOPBACK_SUITE" --groups x25519 --threads "$1" --max-connections "$2" \
    --idle-timeout 3600 --log-level warn >"$out" 2>"$out.err" &
  SERVER_PID=$!
  STARTED+=("$SERVER_PID")
  SERVER_PORT=$(wait_for_line "$out" '^listening on' "$SERVER_PID" | awk '{ print $3 }')
}

load_handshakes() {  # port -> handshakes/s (median of RUNS)
  local runs=() run
  for ((run = 0; run < RUNS; run++)); do
    runs+=("$("$TOOLS/bench_load" handshakes --connect "127.0.0.1:$1" --ca-file "$PKI/ca.pem" \
      --server-name localhost --suite "$LOOPBACK_SUITE" --concurrency "$CONCURRENCY" \
      --seconds "$SECONDS_PER_RUN" 2>>"$WORK/load.err" | awk '$1 == "handshakes_per_s" { print $2 }')")
  done
  echo "${runs[*]}" | median
}

log "3/5 loopback handshakes: our server vs openssl s_server ($LOOPBACK_SUITE, X25519, RSA-2048, server auth only, $CONCURRENCY concurrent)"
start_our_server 1 256
record "loopback_ours_handshakes_per_s $(load_handshakes "$SERVER_PORT")"
stop_pid "$SERVER_PID"

OPENSSL_PORT=$(free_port)
"$OPENSSL" s_server -accept "127.0.0.1:$OPENSSL_PORT" -tls1_3 -ciphersuites "$LOOPBACK_SUITE" \
  -groups X25519 -cert "$PKI/server.pem" -key "$PKI/server.key" -num_tickets 0 -www -quiet \
  >"$WORK/s_server.out" 2>&1 </dev/null &
OPENSSL_PID=$!
STARTED+=("$OPENSSL_PID")
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$OPENSSL_PORT") 2>/dev/null && break
  sleep 0.1
done
record "loopback_openssl_handshakes_per_s $(load_handshakes "$OPENSSL_PORT")"
stop_pid "$OPENSSL_PID"
grep loopback "$RESULTS" >&2

# ---------------------------------------------------------------- 4. scale
log "4/5 scale: memory per idle connection ($IDLE_COUNTS) and server threads 1, 2, 4"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for count in $IDLE_COUNTS; do
  start_our_server 1 $((count + 100))
  sleep 0.5
  before=$(rss_kib "$SERVER_PID")
  fifo=$WORK/hold.$count
  mkfifo "$fifo"
  "$TOOLS/bench_load" hold --connect "127.0.0.1:$SERVER_PORT" --ca-file "$PKI/ca.pem" \
    --server-name localhost --count "$count" --concurrency 16 <"$fifo" >"$WORK/hold.$count.out" \
    2>"$WORK/hold.$count.err" &
  HOLD_PID=$!
  STARTED+=("$HOLD_PID")
  exec 4>"$fifo"  # keeps the holder waiting until we close it
  held=$(wait_for_line "$WORK/hold.$count.out" '^held' "$HOLD_PID" | awk '{ print $2 }') || held=0
  sleep 1
  after=$(rss_kib "$SERVER_PID")
  record "idle_connections_$count held=$held rss_before_kib=$before rss_after_kib=$after \
$(awk -v a="$after" -v b="$before" -v n="$held" 'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print 0 }')"
  exec 4>&-
  stop_pid "$HOLD_PID"
  stop_pid "$SERVER_PID"
done
for threads in 1 2 4; do
  start_our_server "$threads" 256
  record "threads_${threads}_handshakes_per_s $(load_handshakes "$SERVER_PORT")"
  stop_pid "$SERVER_PID"
done
grep -E "idle|threads" "$RESULTS" >&2

# ---------------------------------------------------------------- 5. OTP against the bank
log "5/5 OTP: request+confirm on $OTP_CHANNELS established channels, then $FLOWS full flows"
CERTS=$WORK/certs
start_daemon() {  # name port_file command... -> sets DAEMON_PID, prints the port
  local name=$1 port_file=$2
  shift 2
  "$@" >"$WORK/$name.log" 2>&1 &
  DAEMON_PID=$!
  STARTED+=("$DAEMON_PID")
  for _ in $(seq 600); do
    [[ -s $port_file ]] && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "$name did not start; its log:"
  tail -n 20 "$WORK/$name.log" >&2
  return 1
}
start_daemon ttp "$WORK/ttp.port" "$BIN/ttp" serve --certs-dir "$CERTS/ttp" \
  --listen 127.0.0.1:0 --port-file "$WORK/ttp.port"
TTP_PORT=$(cat "$WORK/ttp.port")
FINGERPRINT=$(cat "$CERTS/ttp/ca.fingerprint")
token() { "$BIN/ttp" token create --certs-dir "$CERTS/ttp" "$@" 2>>"$WORK/admin.log"; }
start_daemon bank "$WORK/bank.port" "$BIN/bank_server" --certs-dir "$CERTS/bank" \
  --listen 127.0.0.1:0 --port-file "$WORK/bank.port" --ttp "127.0.0.1:$TTP_PORT" \
  --ttp-fingerprint "$FINGERPRINT" --token "$(token --role bank --cn bank.example --host localhost)" \
  --common-name bank.example --country DE --organisation "Example Bank" --host-name localhost
BANK_PORT=$(cat "$WORK/bank.port")
# Enrolment (and one flow) with the real client; its certificate is then used by bench_otp.
"$BIN/client" --certs-dir "$CERTS/alice" --connect "localhost:$BANK_PORT" --ttp "127.0.0.1:$TTP_PORT" \
  --ttp-fingerprint "$FINGERPRINT" --token "$(token --role customer --cn alice)" --common-name alice \
  --country DE transfer --account DE44500105175407324931 --amount 250.00 --currency EUR \
  --payee "ACME Ltd" --json >"$WORK/client.out" 2>"$WORK/client.err"
"$TOOLS/bench_otp" --connect "127.0.0.1:$BANK_PORT" --server-name localhost \
  --cert "$CERTS/alice/cert.pem" --key "$CERTS/alice/key.pem" --ca-file "$CERTS/alice/ca.pem" \
  --channels "$OTP_CHANNELS" --seconds "$((SECONDS_PER_RUN * 2))" --flows "$FLOWS" |
  tee -a "$RESULTS" >&2

# ---------------------------------------------------------------- the table
suite_aead() {
  case $1 in
    TLS_AES_128_GCM_*) echo aes-128-gcm ;;
    TLS_AES_256_GCM_*) echo aes-256-gcm ;;
    *) echo chacha20-poly1305 ;;
  esac
}
TABLE=$WORK/table.md
{
  echo "| Measurement | Ours | Reference | Ours / reference |"
  echo "| --- | ---: | ---: | ---: |"
  sign=$(value ceiling_rsa2048_sign_per_s)
  half_sign=$(awk -v s="$sign" 'BEGIN { printf "%.1f", s / 2 }')
  awk '$1 == "handshakes_per_s" { print $2, $3 }' "$RESULTS" | while read -r suite rate; do
    echo "| Engine handshakes/s, mutual auth, $suite | $rate | $half_sign (RSA-2048 sign/s ÷ 2) | $(ratio "$rate" "$half_sign") |"
  done
  awk '$1 == "seal_MBps" || $1 == "open_MBps" { print $1, $2, $3 }' "$RESULTS" |
    while read -r what suite rate; do
      aead=$(suite_aead "$suite")
      direction=${what%_MBps}
      ceiling=$(awk -v a="$aead" -v k="ceiling_${direction}_MBps" '$1 == k && $2 == a { print $3 }' "$RESULTS")
      flag=""
      [[ $direction == open ]] && flag=" -decrypt"
      echo "| Engine $direction MB/s, 16 KiB records, $suite | $rate | $ceiling (speed -aead$flag $aead) | $(ratio "$rate" "$ceiling") |"
    done
  ours=$(value loopback_ours_handshakes_per_s)
  theirs=$(value loopback_openssl_handshakes_per_s)
  echo "| Loopback handshakes/s, 1 server thread, $LOOPBACK_SUITE, $CONCURRENCY concurrent clients | $ours | $theirs (openssl s_server) | $(ratio "$ours" "$theirs") |"
  grep '^idle_connections_' "$RESULTS" | while read -r key held before after per; do
    echo "| Server memory per idle connection, ${key#idle_connections_} opened (${held#held=}), KiB | $per | 64 KiB (issue's goal) | $(ratio "$per" 64) |"
  done
  one=$(value threads_1_handshakes_per_s)
  for threads in 1 2 4; do
    rate=$(value "threads_${threads}_handshakes_per_s")
    echo "| Loopback handshakes/s, $threads server thread(s) | $rate | $one (1 thread) | $(ratio "$rate" "$one") |"
  done
  echo "| OTP request+confirm round trips/s, $OTP_CHANNELS established channels | $(value otp_round_trips_per_s) | | |"
  echo "| Full OTP flow latency p50 (handshake + request + confirm), ms | $(value flow_p50_ms) | | |"
  echo "| Full OTP flow latency p99, ms ($(value flows) flows) | $(value flow_p99_ms) | | |"
} >"$TABLE"

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
  echo "# Performance"
  echo
  echo "Generated by \`scripts/bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Every figure was measured"
  echo "in that one run on this machine; none is a target. Re-run the script to measure yours."
  echo
  echo "- CPU: ${CPU:-unknown} ($(nproc) cores available)"
  echo "- OpenSSL: $("$OPENSSL" version)"
  echo "- Load average when the measurements started: $LOAD_AT_START (1, 5, 15 min); other work on"
  echo "  the machine lowers every figure, ours and the references alike"
  echo "- Settings: QUICK=$QUICK RUNS=$RUNS SECONDS_PER_RUN=$SECONDS_PER_RUN SPEED_SECONDS=$SPEED_SECONDS" \
    "CONCURRENCY=$CONCURRENCY IDLE_COUNTS=\"$IDLE_COUNTS\" FLOWS=$FLOWS (noisy figures: median of RUNS runs)"
  echo
  cat "$TABLE"
  echo
  cat <<'EOF'
How each figure is taken:

- **Engine** (`tests/bench/bench_engine`): client and server engines in one thread, bytes
  handed over in memory. A handshake is complete on both sides: X25519, RSA-2048 certificates
  (RSA-PSS signatures) on both sides, each chain verified. Reference: `openssl speed rsa2048`
  sign/s halved, since a mutually authenticated handshake signs twice (it ignores X25519 and
  verification, so it is a loose upper bound). Bulk: 16 KiB of application data per record;
  seal = `send_application_data` + `take_output`, open = `receive` + `take_events`, timed apart.
  Reference: `openssl speed -aead -evp <cipher> -bytes 16384` (a TLS-like sequence: nonce,
  AAD, encrypt, tag) for seal, the same with `-decrypt` for open. Private suites use the AEAD
  of their name. A full record's inner plaintext is 16,385 bytes (content + content type)
  where `speed` encrypts 16,384: ChaCha20-Poly1305 pays for that partial block (with 16,383
  bytes of content per record the same engine measured 4% more; OpenSSL's own TLS 1.3 records
  carry the same extra byte). The harness raises glibc's heap trim threshold so that freeing
  a batch of records does not hand the heap back to the kernel every time.
- **Loopback** (`tests/bench/bench_load`, our client): CONCURRENCY coroutines in one thread each
  repeat connect, full handshake (server authentication only, X25519, RSA-2048), close_notify.
  Same load generator, certificate, key, suite and group for both servers; `openssl s_server
  -tls1_3 -num_tickets 0 -www` (single-threaded) against `tls_peer server --threads 1`. Client
  and server share the machine's cores.
- **Memory**: VmRSS of `tls_peer server` before and after N channels are opened and left idle,
  divided by N (includes the kernel-independent user-space cost of the socket, the stream, the
  engine and its buffers).
- **OTP** (`tests/bench/bench_otp`, the client's own protocol code): against the real
  `bank_server` enrolled with a real `ttp`; each channel is a device of the customer
  (SUBSCRIBE); a round trip is TRANSFER, the OTP pushed to the channel, CONFIRM accepted (the
  durable store commits each step with fsync). A full flow opens a new mutually authenticated
  channel (including the bank's revocation check), subscribes, transfers, confirms, says QUIT
  and closes.
EOF
} >"$WORK/page.md"

echo
cat "$TABLE"
mkdir -p "$(dirname "$OUTPUT")"
cp "$WORK/page.md" "$OUTPUT"
log "wrote $OUTPUT"

# ---------------------------------------------------------------- 6. scale-out
if [[ ${SCALE:-1} == 1 ]]; then
  log "6/6 scale-out: SQLite vs PostgreSQL, two instances, cross-instance push (scripts/bench-scale.sh)"
  if [[ $QUICK == 1 ]]; then : "${SCALE_SECONDS:=5}" "${CROSS_PUSHES:=50}"; fi
  SKIP_BUILD=1 BUILD_DIR=$BUILD_DIR OUTPUT=$OUTPUT SCALE_SECONDS=${SCALE_SECONDS:-15} \
    CROSS_PUSHES=${CROSS_PUSHES:-200} OTP_CHANNELS=${SCALE_CHANNELS:-4} scripts/bench-scale.sh
fi
