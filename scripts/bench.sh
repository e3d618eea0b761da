#!/usr/bin/env bash
# Measures the product against nginx, OpenSSL and what libcrypto itself can do, on this
# machine, in one run; prints the tables and writes them to docs/PERFORMANCE.md.
#
#   scripts/bench.sh                 # about 10 minutes on 2 cores (100,000 idle connections)
#   QUICK=1 scripts/bench.sh         # a few minutes, smaller sizes
#   BUILD_DIR=out RUNS=5 SECONDS_PER_RUN=3 scripts/bench.sh
#   OUTPUT=/tmp/perf.md scripts/bench.sh   # write the page elsewhere
#   IDLE_COUNTS="1000 20000" SCALE=0 scripts/bench.sh
#   NGINX=none scripts/bench.sh      # without nginx (its rows stay empty)
#
# Noisy figures are the median of RUNS runs. Sections: (1) in-memory engine, one thread
# (tests/bench/bench_engine); (2) ceilings from `openssl speed`; (3) the headline: our server
# (`tls_peer server --threads 1`) against nginx (one worker) and `openssl s_server`, all driven
# by the same load generator (tests/bench/bench_load, our client) in the same run, for RSA-2048
# and ECDSA P-256, server-only and mutual authentication: handshakes/s and the server's CPU
# time per handshake, and (3b) where that CPU goes by shared object (perf); (4) server memory
# per idle connection, ours and nginx's worker, at IDLE_COUNTS connections, and our handshakes/s with 1, 2, 4 server threads; (5) OTP
# request+confirm against the real bank_server (tests/bench/bench_otp) and the latency of one
# full flow; then (6) the scale-out figures of scripts/bench-scale.sh (SQLite vs PostgreSQL,
# two instances on one database, the latency of a push crossing instances), written as their
# own section of the page (SCALE=0 skips them and keeps the section already in OUTPUT).
#
# nginx: the Debian package nginx-light, installed here with apt-get when `nginx` is missing and
# we are root (else the nginx rows are skipped, with the command to install it). A system nginx
# service is neither used nor touched: each measurement runs its own instance from a temporary
# folder (nginx -p DIR -c DIR/nginx.conf, master + one worker, daemon off) and measures the
# worker.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  : "${RUNS:=1}" "${SECONDS_PER_RUN:=1}" "${SPEED_SECONDS:=1}" "${IDLE_COUNTS:=1000 5000}"
  : "${FLOWS:=30}"
else
  : "${RUNS:=3}" "${SECONDS_PER_RUN:=2}" "${SPEED_SECONDS:=3}" "${IDLE_COUNTS:=10000 100000}"
  : "${FLOWS:=200}"
fi
CONCURRENCY=${CONCURRENCY:-8}       # load generator coroutines (one thread)
HOLD_THREADS=${HOLD_THREADS:-2}     # bench_load hold: threads, each opening HOLD_CONCURRENCY
HOLD_CONCURRENCY=${HOLD_CONCURRENCY:-8}
PORTS_PER_SOURCE=${PORTS_PER_SOURCE:-20000}  # idle channels per local address (~28,000 ports)
OTP_CHANNELS=${OTP_CHANNELS:-4}     # established channels for the OTP round-trip rate
LOOPBACK_SUITE=${LOOPBACK_SUITE:-TLS_AES_128_GCM_SHA256}
OPENSSL=${OPENSSL:-openssl}
OUTPUT=${OUTPUT:-docs/PERFORMANCE.md}
# The Release build of scripts/setup.sh (the same binaries users run).
BUILD_DIR=${BUILD_DIR:-build}
# Targets (issue 17): our server's CPU per handshake over nginx's, and idle memory.
TARGET_ECDSA_SERVER_ONLY=0.6
TARGET_RSA_SERVER_ONLY=0.85
TARGET_MUTUAL=0.8
TARGET_IDLE_KIB=12
TARGET_IDLE_AT=100000
TARGET_ENGINE_OVER_CRYPTO=2

log() { echo "[bench] $*" >&2; }

# ---------------------------------------------------------------- build
if [[ -z ${SKIP_BUILD:-} ]]; then
  log "building (Release) into $BUILD_DIR/"
  BUILD_DIR=$BUILD_DIR scripts/setup.sh >/dev/null
fi
TOOLS=$ROOT/$BUILD_DIR/tests/bin
BIN=$ROOT/$BUILD_DIR/bin

# ---------------------------------------------------------------- nginx (the headline reference)
find_nginx() { command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true; }
if [[ ${NGINX:-} == none ]]; then  # NGINX=none: measure without it (as when it is missing)
  NGINX=""
  SKIP_NGINX_INSTALL=1
else
  NGINX=$(find_nginx)
fi
if [[ -z $NGINX && -z ${SKIP_NGINX_INSTALL:-} && $(id -u) -eq 0 ]]; then
  log "installing nginx-light (apt-get install -y nginx-light)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq nginx-light >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq nginx-light >/dev/null 2>&1; } ||
    log "apt-get could not install nginx-light"
  NGINX=$(find_nginx)
fi
if [[ -n $NGINX ]]; then
  NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
  log "nginx: $NGINX ($NGINX_VERSION)"
else
  NGINX_VERSION=""
  log "nginx not found: install it with 'sudo apt-get install nginx-light' (Debian 12);" \
    "the nginx rows are skipped"
fi

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
CLK_TCK=$(getconf CLK_TCK)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc-bench.XXXXXX")
chmod 755 "$WORK"  # nginx's worker runs as nobody
RESULTS=$WORK/results.txt
: >"$RESULTS"
STARTED=()
cleanup() {
  local pid
  exec 4>&- 2>/dev/null || true  # a holder waiting for its standard input to close
  for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# "met" / "not met" for value <= limit ("n/a" without a value).
at_most() { awk -v v="$1" -v l="$2" 'BEGIN { if (v == "" || v == "n/a") print "n/a"; else if (v + 0 <= l + 0) print "met"; else print "not met" }'; }
or_dash() { if [[ -n $1 ]]; then echo "$1"; else echo "–"; fi; }

# Stops one process we started (by its id).
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Waits until FILE contains a line matching PATTERN (at most SECONDS, default 60) and prints
# that line; fails when the process PID ends first.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3 seconds=${4:-60}
  for _ in $(seq $((seconds * 10))); do
    if grep -q "$pattern" "$file" 2>/dev/null; then
      grep -m1 "$pattern" "$file"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q "$pattern" "$file" 2>/dev/null; then grep -m1 "$pattern" "$file"; return 0; fi
  log "no \"$pattern\" from process $pid; its output:"
  tail -n 20 "$file" >&2
  return 1
}

# Waits (at most 10 s) until something accepts TCP connections on 127.0.0.1:PORT.
wait_for_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listens on port $1"
  return 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# utime + stime of a process (all its threads), in clock ticks: /proc/PID/stat fields 14 and 15
# (counted after the command name, which is in parentheses).
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# ---------------------------------------------------------------- test certificates
# make_pki DIR rsa2048|ecdsa_p256: ca.pem, server.pem/.key (localhost, 127.0.0.1),
# client.pem/.key (clientAuth), all with keys of that kind.
make_pki() {
  local dir=$1 kind=$2
  mkdir -p "$dir"
  (
    cd "$dir"
    make_key() {
      if [[ $kind == rsa2048 ]]; then
        "$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
      else
        "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
      fi
      chmod 600 "$1"
    }
    make_key ca.key
    "$OPENSSL" req -x509 -new -key ca.key -days 30 -subj "/C=DE/O=Bench/CN=Bench CA $kind" \
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
}
PKI=$WORK/pki              # RSA-2048
PKI_ECDSA=$WORK/pki-ecdsa  # ECDSA P-256
make_pki "$PKI" rsa2048
make_pki "$PKI_ECDSA" ecdsa_p256
pki_of() { if [[ $1 == rsa2048 ]]; then echo "$PKI"; else echo "$PKI_ECDSA"; fi; }

# ---------------------------------------------------------------- 1. in-memory engine
log "1/5 in-memory engine (${RUNS} runs of ${SECONDS_PER_RUN} s per figure)"
ENGINE_ARGS=(--pki "$PKI" --seconds "$SECONDS_PER_RUN" --runs "$RUNS")
# Newer bench_engine builds also time the server's side of a handshake against its
# cryptography alone, for RSA-2048 and P-256 (--pki-ecdsa); older ones refuse the option at
# once ("unknown option"): then it runs without it, and those rows are left out.
if ! "$TOOLS/bench_engine" "${ENGINE_ARGS[@]}" --pki-ecdsa "$PKI_ECDSA" >"$WORK/engine.out" \
  2>"$WORK/engine.err"; then
  grep -q 'unknown option --pki-ecdsa' "$WORK/engine.err" ||
    log "bench_engine --pki-ecdsa failed ($(head -n1 "$WORK/engine.err")); running it without"
  "$TOOLS/bench_engine" "${ENGINE_ARGS[@]}" >"$WORK/engine.out"
fi
tee -a "$RESULTS" <"$WORK/engine.out" >&2

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

# ---------------------------------------------------------------- servers
# start_our_server PKI server_only|mutual THREADS MAX_CONNECTIONS -> SERVER_PID, SERVER_PORT
start_our_server() {
  local pki=$1 mode=$2 threads=$3 connections=$4
  local out=$WORK/our-server.$RANDOM.out
  local client_auth=()
  [[ $mode == mutual ]] && client_auth=(--ca-file "$pki/ca.pem" --require-client-cert)
  "$TOOLS/tls_peer" server --listen 127.0.0.1:0 --cert "$pki/server.pem" --key "$pki/server.key" \
    "${client_auth[@]}" --suites "$LOOPBACK_SUITE" --groups x25519 --threads "$threads" \
    --max-connections "$connections" --idle-timeout 3600 --log-level warn --quiet >"$out" 2>"$out.err" &
  SERVER_PID=$!
  STARTED+=("$SERVER_PID")
  SERVER_PORT=$(wait_for_line "$out" '^listening on' "$SERVER_PID" | awk '{ print $3 }')
}

# nginx_conf DIR PKI server_only|mutual PORT CONNECTIONS: the whole configuration, one worker.
nginx_conf() {
  local dir=$1 pki=$2 mode=$3 port=$4 connections=$5
  local nofile=$((connections + 512)) hard
  hard=$(ulimit -Hn)
  if [[ $hard != unlimited ]] && ((nofile > hard)); then nofile=$hard; fi
  cat <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile $nofile;
events { worker_connections $((connections + 256)); }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    client_header_timeout 3600s;  # idle channels (no request yet) stay open, like ours
    server {
        listen 127.0.0.1:$port ssl backlog=4096;
        ssl_certificate $pki/server.pem;
        ssl_certificate_key $pki/server.key;
        ssl_protocols TLSv1.3;
        ssl_conf_command Ciphersuites $LOOPBACK_SUITE;
        ssl_ecdh_curve X25519;
        ssl_session_tickets off;
        ssl_session_cache off;
EOF
  if [[ $mode == mutual ]]; then
    echo "        ssl_verify_client on;"
    echo "        ssl_client_certificate $pki/ca.pem;"
  fi
  cat <<EOF
        location / { return 200 "ok"; }
    }
}
EOF
}

# start_nginx PKI server_only|mutual CONNECTIONS -> NGINX_PID (master), NGINX_WORKER, NGINX_PORT
start_nginx() {
  local pki=$1 mode=$2 connections=$3
  local dir
  dir=$(mktemp -d "$WORK/nginx.XXXXXX")
  chmod 755 "$dir"
  NGINX_PORT=$(free_port)
  nginx_conf "$dir" "$pki" "$mode" "$NGINX_PORT" "$connections" >"$dir/nginx.conf"
  "$NGINX" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" >"$dir/stdout" 2>&1 &
  NGINX_PID=$!
  STARTED+=("$NGINX_PID")
  NGINX_WORKER=""
  for _ in $(seq 100); do
    NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -n1 || true)
    [[ -n $NGINX_WORKER ]] && break
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $NGINX_WORKER ]]; then
    log "nginx did not start; its log:"
    cat "$dir/stdout" "$dir/error.log" >&2 2>/dev/null || true
    return 1
  fi
  wait_for_port "$NGINX_PORT"
}

# start_s_server PKI server_only|mutual -> OPENSSL_PID, OPENSSL_PORT
start_s_server() {
  local pki=$1 mode=$2
  local client_auth=()
  [[ $mode == mutual ]] && client_auth=(-Verify 1 -CAfile "$pki/ca.pem")
  OPENSSL_PORT=$(free_port)
  "$OPENSSL" s_server -accept "127.0.0.1:$OPENSSL_PORT" -tls1_3 -ciphersuites "$LOOPBACK_SUITE" \
    -groups X25519 -cert "$pki/server.pem" -key "$pki/server.key" "${client_auth[@]}" \
    -num_tickets 0 -www -quiet >"$WORK/s_server.$OPENSSL_PORT.out" 2>&1 </dev/null &
  OPENSSL_PID=$!
  STARTED+=("$OPENSSL_PID")
  wait_for_port "$OPENSSL_PORT"
}

# load_args PKI server_only|mutual: the client side of a case for bench_load.
load_args() {
  local pki=$1 mode=$2
  LOAD_ARGS=(--ca-file "$pki/ca.pem" --server-name localhost --suite "$LOOPBACK_SUITE")
  [[ $mode == mutual ]] && LOAD_ARGS+=(--cert "$pki/client.pem" --key "$pki/client.key")
  return 0
}

# measure_run SERVER_PID PORT SECONDS -> "handshakes_per_s cpu_us_per_handshake" of one run of
# bench_load handshakes (CONCURRENCY coroutines, one thread) with LOAD_ARGS; the CPU time is
# the server process's utime + stime over the run.
measure_run() {
  local pid=$1 port=$2 seconds=$3 before after out
  before=$(cpu_ticks "$pid")
  out=$("$TOOLS/bench_load" handshakes --connect "127.0.0.1:$port" "${LOAD_ARGS[@]}" \
    --concurrency "$CONCURRENCY" --threads 1 --seconds "$seconds" 2>>"$WORK/load.err" || true)
  after=$(cpu_ticks "$pid")
  awk -v before="$before" -v after="$after" -v tck="$CLK_TCK" '
    $1 == "handshakes" { n = $2 } $1 == "handshakes_per_s" { rate = $2 } $1 == "failures" { f = $2 }
    END { if (n > 0) printf "%s %.1f %d\n", rate, (after - before) * 1e6 / tck / n, f;
          else print "0 0 0" }' <<<"$out"
}

# ---------------------------------------------------------------- 3. against nginx
CASES=("rsa2048 server_only" "ecdsa_p256 server_only" "rsa2048 mutual" "ecdsa_p256 mutual")
SERVERS=(ours openssl)
[[ -n $NGINX ]] && SERVERS=(ours nginx openssl)
log "3/5 loopback handshakes: ours vs ${SERVERS[*]:1} ($LOOPBACK_SUITE, X25519, $CONCURRENCY concurrent," \
  "$RUNS x $SECONDS_PER_RUN s each, runs interleaved)"
for case in "${CASES[@]}"; do
  read -r key mode <<<"$case"
  pki=$(pki_of "$key")
  load_args "$pki" "$mode"
  start_our_server "$pki" "$mode" 1 256
  declare -A pid_of=([ours]=$SERVER_PID) port_of=([ours]=$SERVER_PORT)
  if [[ -n $NGINX ]]; then
    start_nginx "$pki" "$mode" 1024
    pid_of[nginx]=$NGINX_WORKER port_of[nginx]=$NGINX_PORT
  fi
  start_s_server "$pki" "$mode"
  pid_of[openssl]=$OPENSSL_PID port_of[openssl]=$OPENSSL_PORT
  declare -A rates=() cpus=() failures=()
  for server in "${SERVERS[@]}"; do  # warm-up, not counted (first handshakes load tables)
    measure_run "${pid_of[$server]}" "${port_of[$server]}" 0.3 >/dev/null
  done
  for ((run = 0; run < RUNS; run++)); do
    for server in "${SERVERS[@]}"; do
      read -r rate cpu failed < <(measure_run "${pid_of[$server]}" "${port_of[$server]}" "$SECONDS_PER_RUN")
      rates[$server]+=" $rate" cpus[$server]+=" $cpu" failures[$server]=$((${failures[$server]:-0} + failed))
    done
  done
  for server in "${SERVERS[@]}"; do
    record "tls_${key}_${mode}_${server}_handshakes_per_s $(echo "${rates[$server]}" | median)"
    record "tls_${key}_${mode}_${server}_cpu_us $(echo "${cpus[$server]}" | median)"
    record "tls_${key}_${mode}_${server}_failures ${failures[$server]}"
  done
  stop_pid "$SERVER_PID"
  if [[ -n $NGINX ]]; then stop_pid "$NGINX_PID"; fi
  stop_pid "$OPENSSL_PID"
  grep "^tls_${key}_${mode}_" "$RESULTS" >&2
done
if [[ -n $NGINX ]]; then  # for the page: the configuration of one case, paths shortened
  nginx_conf "<dir>" "<pki>" mutual "<port>" 1024 >"$WORK/nginx.conf.example"
fi

# ---------------------------------------------------------------- 3b. where the time goes
# perf samples each server's CPU during one more run (ECDSA P-256 and RSA-2048, server-only, the
# cases with the tightest targets) and splits its CPU by shared object (the shares are applied to
# the CPU per handshake of section 3, measured without perf):
# libcrypto (the cryptography plus OpenSSL's own bookkeeping, which both servers call the same
# way), the kernel (accept, TCP over loopback, epoll, close), libc (malloc, system call
# wrappers, string functions libcrypto calls) and the server's own code (ours: tls_peer and the
# C++ runtime; nginx: nginx and libssl). libcrypto + kernel of OUR server is a floor that no TLS
# code written above libcrypto on this kernel goes under. PERF=none skips the section; perf
# comes from Debian's linux-perf package.
PERF=${PERF:-$(command -v perf || true)}
[[ $PERF == none ]] && PERF=""
if [[ -n $PERF && -n $NGINX ]] && "$PERF" record -q -o "$WORK/perf.check" -- true >/dev/null 2>&1; then
  log "3b/5 where the time goes: perf by shared object (ECDSA P-256 and RSA-2048, server-only)"
  for key in ecdsa_p256 rsa2048; do
    pki=$(pki_of "$key")
    load_args "$pki" server_only
    start_our_server "$pki" server_only 1 256
    start_nginx "$pki" server_only 1024
    declare -A split_pid=([ours]=$SERVER_PID [nginx]=$NGINX_WORKER) split_port=([ours]=$SERVER_PORT [nginx]=$NGINX_PORT)
    for server in ours nginx; do
      measure_run "${split_pid[$server]}" "${split_port[$server]}" 0.3 >/dev/null  # warm-up
      "$PERF" record -q -F 999 -p "${split_pid[$server]}" -o "$WORK/perf.$server.data" -- \
        sleep "$(awk -v s="$SECONDS_PER_RUN" 'BEGIN { print s + 1 }')" >/dev/null 2>&1 &
      perf_pid=$!
      sleep 0.3
      measure_run "${split_pid[$server]}" "${split_port[$server]}" "$SECONDS_PER_RUN" >/dev/null
      wait "$perf_pid" || true
      # "  50.27%  libcrypto.so.3" lines -> the share (%) of each class
      "$PERF" report -i "$WORK/perf.$server.data" --no-children --sort dso --stdio 2>/dev/null |
        awk -v prefix="split_${key}_${server}" '
          $1 ~ /%$/ { share = $1; sub(/%$/, "", share); dso = $2
            class = "own"
            if (dso ~ /^libcrypto/) class = "libcrypto"
            else if (dso ~ /kernel/) class = "kernel"
            else if (dso ~ /^libc[.-]/) class = "libc"
            total[class] += share }
          END { n = split("libcrypto kernel libc own", classes, " ")
                for (i = 1; i <= n; i++) printf "%s_%s_percent %.1f\n", prefix, classes[i], total[classes[i]] }' >>"$RESULTS"
      rm -f "$WORK/perf.$server.data"
    done
    stop_pid "$SERVER_PID"
    stop_pid "$NGINX_PID"
    grep "^split_${key}_" "$RESULTS" >&2
  done
else
  log "3b/5 skipped: perf${NGINX:+ (linux-perf)} or nginx is missing, or perf cannot record here"
fi

# ---------------------------------------------------------------- 4. scale
log "4/5 scale: memory per idle connection ($IDLE_COUNTS; ours${NGINX:+ and nginx}) and server threads 1, 2, 4"
# One descriptor per channel on each side: raise the open-files limit (hard limit first, as
# root) so that the largest count fits; servers and the holder inherit it.
largest=0
for count in $IDLE_COUNTS; do
  if ((count > largest)); then largest=$count; fi
done
fds_needed=$((largest + 1024))
hard=$(ulimit -Hn)
FD_LIMIT_WHY=""
if [[ $hard != unlimited ]] && ((hard < fds_needed)); then
  if [[ $(id -u) -eq 0 ]] && ulimit -Hn "$fds_needed" 2>/dev/null; then
    log "raised the open-files hard limit from $hard to $fds_needed"
  elif [[ $(id -u) -eq 0 ]]; then
    FD_LIMIT_WHY="the open-files hard limit is $hard and root could not raise it here (setrlimit needs CAP_SYS_RESOURCE)"
  else
    FD_LIMIT_WHY="the open-files hard limit is $hard (raise it as root: ulimit -Hn $fds_needed, or prlimit)"
  fi
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)
log "open-files limit: $FD_LIMIT${FD_LIMIT_WHY:+ ($FD_LIMIT_WHY)}"
# A server holds one descriptor per channel plus a few of its own (listener, epoll, logs,
# libraries): counts above what fits are opened only up to FD_ROOM, and the page says why.
FD_ROOM=$((FD_LIMIT - 256))
[[ $FD_LIMIT == unlimited ]] && FD_ROOM=$largest

# hold_idle SERVER_PID PORT COUNT NAME: opens COUNT idle channels (ECDSA P-256, server-only) to
# the server at PORT, or as many as the open-files limit lets one process hold, measures the
# VmRSS of SERVER_PID before and after, records
# "idle_NAME_COUNT held=H rss_before_kib=B rss_after_kib=A KIB_PER_CONNECTION" and, when fewer
# were held, "idle_NAME_COUNT_failure <why>".
hold_idle() {
  local pid=$1 port=$2 count=$3 name=$4
  local opened=$count
  if ((opened > FD_ROOM)); then opened=$FD_ROOM; fi
  local sources=$(((opened + PORTS_PER_SOURCE - 1) / PORTS_PER_SOURCE))
  if ((sources < 1)); then sources=1; fi
  load_args "$PKI_ECDSA" server_only
  measure_run "$pid" "$port" 0.5 >/dev/null  # warm-up: the first handshakes' one-time memory
  sleep 0.5
  local before after held fifo=$WORK/hold.$name.$count
  before=$(rss_kib "$pid")
  mkfifo "$fifo"
  "$TOOLS/bench_load" hold --connect "127.0.0.1:$port" "${LOAD_ARGS[@]}" --count "$opened" \
    --threads "$HOLD_THREADS" --concurrency "$HOLD_CONCURRENCY" --source-count "$sources" \
    <"$fifo" >"$fifo.out" 2>"$fifo.err" &
  HOLD_PID=$!
  STARTED+=("$HOLD_PID")
  exec 4>"$fifo"  # keeps the holder waiting until we close it
  held=$(wait_for_line "$fifo.out" '^held' "$HOLD_PID" $((opened / 50 + 120)) | awk '{ print $2 }') || held=0
  sleep 1
  after=$(rss_kib "$pid")
  record "idle_${name}_$count held=$held rss_before_kib=$before rss_after_kib=$after \
$(awk -v a="$after" -v b="$before" -v n="$held" 'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "n/a" }')"
  if [[ $held != "$count" ]]; then
    local why=""
    if ((opened < count)); then
      why="one process can hold only about $opened channels: ${FD_LIMIT_WHY:-the open-files limit is $FD_LIMIT}"
    fi
    if [[ $held != "$opened" ]]; then
      why+="${why:+; }$held of $opened opened: $(grep -m1 'last failure' "$fifo.err" 2>/dev/null ||
        tail -n1 "$fifo.err" 2>/dev/null || true)"
    fi
    record "idle_${name}_${count}_failure ${why:-the holder ended before it had opened them all}"
    log "$name: $held of $count idle channels held: $why"
  fi
  exec 4>&-
  stop_pid "$HOLD_PID"
}

for count in $IDLE_COUNTS; do
  capacity=$count
  if ((capacity > FD_ROOM)); then capacity=$FD_ROOM; fi
  start_our_server "$PKI_ECDSA" server_only 1 $((capacity + 256))
  hold_idle "$SERVER_PID" "$SERVER_PORT" "$count" ours
  stop_pid "$SERVER_PID"
  if [[ -n $NGINX ]]; then
    start_nginx "$PKI_ECDSA" server_only "$capacity"
    hold_idle "$NGINX_WORKER" "$NGINX_PORT" "$count" nginx
    stop_pid "$NGINX_PID"
  fi
  grep "^idle_.*_$count" "$RESULTS" >&2
done

load_args "$PKI" server_only
for threads in 1 2 4; do
  start_our_server "$PKI" server_only "$threads" 256
  measure_run "$SERVER_PID" "$SERVER_PORT" 0.3 >/dev/null
  thread_rates="" thread_cpus=""
  for ((run = 0; run < RUNS; run++)); do
    read -r rate cpu _ < <(measure_run "$SERVER_PID" "$SERVER_PORT" "$SECONDS_PER_RUN")
    thread_rates+=" $rate" thread_cpus+=" $cpu"
  done
  record "threads_${threads}_handshakes_per_s $(echo "$thread_rates" | median)"
  record "threads_${threads}_cpu_us $(echo "$thread_cpus" | median)"
  stop_pid "$SERVER_PID"
done
grep -E "^threads" "$RESULTS" >&2

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


# ---------------------------------------------------------------- the tables
suite_aead() {
  case $1 in
    TLS_AES_128_GCM_*) echo aes-128-gcm ;;
    TLS_AES_256_GCM_*) echo aes-256-gcm ;;
    *) echo chacha20-poly1305 ;;
  esac
}
case_name() {
  local key=$1 mode=$2
  local name="RSA-2048"
  [[ $key == ecdsa_p256 ]] && name="ECDSA P-256"
  if [[ $mode == mutual ]]; then echo "$name, mutual"; else echo "$name, server-only"; fi
}
case_target() {
  if [[ $2 == mutual ]]; then echo "$TARGET_MUTUAL"
  elif [[ $1 == ecdsa_p256 ]]; then echo "$TARGET_ECDSA_SERVER_ONLY"
  else echo "$TARGET_RSA_SERVER_ONLY"; fi
}
kib_field() { awk -v key="$1" '$1 == key { print $NF; exit }' "$RESULTS"; }
held_field() { awk -v key="$1" '$1 == key { sub(/^held=/, "", $2); print $2; exit }' "$RESULTS"; }
rss_fields() { awk -v key="$1" '$1 == key { sub(/^rss_before_kib=/, "", $3); sub(/^rss_after_kib=/, "", $4)
  printf "%.1f → %.1f MiB", $3 / 1024, $4 / 1024; exit }' "$RESULTS"; }

failures_of() { awk -v server="$1" '$1 ~ "^tls_.*_" server "_failures$" { n += $2; seen = 1 }
  END { if (seen) print n + 0; else print "–" }' "$RESULTS"; }

HEADLINE=$WORK/headline.md
{
  if [[ -z $NGINX ]]; then
    echo "nginx was not installed (\`sudo apt-get install nginx-light\`): its columns are empty."
    echo
  fi
  echo "Loopback, one server thread each, the same load generator ($CONCURRENCY concurrent connections, one"
  echo "thread): full TLS 1.3 handshakes ($LOOPBACK_SUITE, X25519), no resumption. CPU µs per"
  echo "handshake = the server process's user + system CPU time during the runs ÷ handshakes completed."
  echo "Ours / nginx: above 1 is more handshakes/s for ours; below 1 is less CPU per handshake for ours."
  echo
  echo "| Case | Handshakes/s ours | nginx | ours / nginx | CPU µs per handshake ours | nginx | ours / nginx | Target (CPU ours / nginx) | Met? |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
  for case in "${CASES[@]}"; do
    read -r key mode <<<"$case"
    prefix=tls_${key}_${mode}
    ours_rate=$(value "${prefix}_ours_handshakes_per_s")
    ours_cpu=$(value "${prefix}_ours_cpu_us")
    nginx_rate=$(value "${prefix}_nginx_handshakes_per_s")
    nginx_cpu=$(value "${prefix}_nginx_cpu_us")
    cpu_ratio=$(ratio "$ours_cpu" "$nginx_cpu")
    target=$(case_target "$key" "$mode")
    echo "| $(case_name "$key" "$mode") | $ours_rate | $(or_dash "$nginx_rate") | $(ratio "$ours_rate" "$nginx_rate")" \
      "| $ours_cpu | $(or_dash "$nginx_cpu") | **$cpu_ratio** | ≤ ${target}x | $(at_most "$cpu_ratio" "$target") |"
  done
  echo
  if [[ -n $(value split_ecdsa_p256_ours_libcrypto_percent) ]]; then
    echo "Where the CPU of one handshake goes: each server-only case run once more under \`perf record\`, the"
    echo "samples split by shared object, each share applied to that server's CPU µs per handshake above."
    echo "libcrypto + kernel of our server is a floor for any TLS code written above libcrypto on this"
    echo "kernel: the last column sets it against nginx's whole cost."
    echo
    echo "| Case | Server | CPU µs (above) | libcrypto | kernel | libc | own code (ours: tls_peer + C++ runtime; nginx: nginx + libssl) | libcrypto + kernel ÷ nginx's CPU |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for key in ecdsa_p256 rsa2048; do
      nginx_cpu=$(value "tls_${key}_server_only_nginx_cpu_us")
      for server in ours nginx; do
        cpu=$(value "tls_${key}_server_only_${server}_cpu_us")
        p=split_${key}_${server}
        cells=$(awk -v cpu="$cpu" -v nginx="$nginx_cpu" -v a="$(value "${p}_libcrypto_percent")" \
          -v b="$(value "${p}_kernel_percent")" -v c="$(value "${p}_libc_percent")" -v d="$(value "${p}_own_percent")" \
          'BEGIN { printf "%.0f (%.0f%%) | %.0f (%.0f%%) | %.0f (%.0f%%) | %.0f (%.0f%%) | %s", cpu * a / 100, a,
                   cpu * b / 100, b, cpu * c / 100, c, cpu * d / 100, d,
                   (nginx > 0 ? sprintf("%.2f", cpu * (a + b) / 100 / nginx) : "n/a") }')
        echo "| $(case_name "$key" server_only) | $server | $cpu | $cells |"
      done
    done
    echo
  fi
  echo "Failed handshakes the load generator saw (all cases and runs): ours $(failures_of ours)," \
    "nginx $(failures_of nginx), openssl s_server $(failures_of openssl)."
  echo
  echo "Server memory per idle connection: VmRSS growth of the server process (ours; nginx's worker)"
  echo "÷ channels held, after COUNT TLS 1.3 channels (ECDSA P-256, server-only) were opened and left idle."
  echo
  echo "| Idle connections | Held, ours | KiB per connection, ours | Held, nginx | KiB per connection, nginx | ours / nginx | Target | Met? |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
  for count in $IDLE_COUNTS; do
    ours_kib=$(kib_field "idle_ours_$count")
    nginx_kib=$(kib_field "idle_nginx_$count")
    ours_held=$(held_field "idle_ours_$count")
    target="(set at $TARGET_IDLE_AT)"
    met="–"
    if [[ $count == "$TARGET_IDLE_AT" ]]; then
      target="≤ $TARGET_IDLE_KIB KiB and below nginx"
      met=$(awk -v o="$ours_kib" -v n="$nginx_kib" -v held="$ours_held" -v count="$count" \
        -v limit="$TARGET_IDLE_KIB" 'BEGIN {
          verdict = (o + 0 <= limit + 0 && (n == "" || n == "n/a" || o + 0 < n + 0)) ? "met" : "not met"
          if (o == "" || o == "n/a") print "n/a (none held)";
          else if (held != count) print "n/a: " held " of " count " held (at " held ": " verdict ")";
          else if (n == "" || n == "n/a") print ((o + 0 <= limit + 0) ? "n/a (no nginx figure; ≤ " limit " KiB met)" : "not met");
          else if (o + 0 <= limit + 0 && o + 0 < n + 0) print "met"; else print "not met" }')
    fi
    echo "| $count | $(or_dash "$ours_held") | $(or_dash "$ours_kib") | $(or_dash "$(held_field "idle_nginx_$count")")" \
      "| $(or_dash "$nginx_kib") | $(ratio "$ours_kib" "$nginx_kib") | $target | $met |"
  done
  echo
  for count in $IDLE_COUNTS; do
    for name in ours nginx; do
      line=$(awk -v key="idle_${name}_$count" '$1 == key' "$RESULTS")
      [[ -z $line ]] && continue
      echo "- $name, $count: RSS $(rss_fields "idle_${name}_$count")"
      why=$(awk -v key="idle_${name}_${count}_failure" '$1 == key { $1 = ""; sub(/^ /, ""); print; exit }' "$RESULTS")
      if [[ -n $why ]]; then echo "  (not all held: $why)"; fi
    done
  done
} >"$HEADLINE"

TABLE=$WORK/table.md
{
  echo "| Measurement | Ours | Reference | Ours / reference | Target | Met? |"
  echo "| --- | ---: | ---: | ---: | --- | --- |"
  for case in "${CASES[@]}"; do
    read -r key mode <<<"$case"
    prefix=tls_${key}_${mode}
    ours=$(value "${prefix}_ours_handshakes_per_s")
    theirs=$(value "${prefix}_openssl_handshakes_per_s")
    echo "| Loopback handshakes/s, $(case_name "$key" "$mode"), 1 server thread | $ours | $theirs (openssl s_server) | $(ratio "$ours" "$theirs") | | |"
    ours=$(value "${prefix}_ours_cpu_us")
    theirs=$(value "${prefix}_openssl_cpu_us")
    echo "| Server CPU µs per handshake, $(case_name "$key" "$mode") | $ours | $theirs (openssl s_server) | $(ratio "$ours" "$theirs") | | |"
  done
  awk '$1 == "engine_server_us" { print $2, $3, $4 }' "$RESULTS" | while read -r key mode engine_us; do
    crypto_us=$(awk -v k="$key" -v m="$mode" '$1 == "crypto_only_server_us" && $2 == k && $3 == m { print $4; exit }' "$RESULTS")
    [[ -z $crypto_us ]] && continue
    over=$(ratio "$engine_us" "$crypto_us")
    echo "| Server side of an in-memory handshake / its cryptography alone, $(case_name "$key" "$mode"), µs |" \
      "$engine_us | $crypto_us (its cryptography alone) | $over | ≤ ${TARGET_ENGINE_OVER_CRYPTO}x | $(at_most "$over" "$TARGET_ENGINE_OVER_CRYPTO") |"
  done
  sign=$(value ceiling_rsa2048_sign_per_s)
  half_sign=$(awk -v s="$sign" 'BEGIN { printf "%.1f", s / 2 }')
  awk '$1 == "handshakes_per_s" { print $2, $3 }' "$RESULTS" | while read -r suite rate; do
    echo "| Engine handshakes/s, mutual auth, $suite | $rate | $half_sign (RSA-2048 sign/s ÷ 2) | $(ratio "$rate" "$half_sign") | | |"
  done
  awk '$1 == "seal_MBps" || $1 == "open_MBps" { print $1, $2, $3 }' "$RESULTS" |
    while read -r what suite rate; do
      aead=$(suite_aead "$suite")
      direction=${what%_MBps}
      ceiling=$(awk -v a="$aead" -v k="ceiling_${direction}_MBps" '$1 == k && $2 == a { print $3 }' "$RESULTS")
      decrypt=""
      [[ $direction == open ]] && decrypt=" -decrypt"
      echo "| Engine $direction MB/s, 16 KiB records, $suite | $rate | $ceiling (speed -aead$decrypt $aead) | $(ratio "$rate" "$ceiling") | | |"
    done
  one=$(value threads_1_handshakes_per_s)
  for threads in 1 2 4; do
    rate=$(value "threads_${threads}_handshakes_per_s")
    echo "| Loopback handshakes/s, RSA-2048 server-only, $threads server thread(s) (CPU µs per handshake: $(value "threads_${threads}_cpu_us")) | $rate | $one (1 thread) | $(ratio "$rate" "$one") | | |"
  done
} >"$TABLE"

OTP_TABLE=$WORK/otp.md
{
  echo "| Measurement | Value |"
  echo "| --- | ---: |"
  echo "| OTP request+confirm round trips/s, $OTP_CHANNELS established channels | $(value otp_round_trips_per_s) |"
  echo "| Full OTP flow latency p50 (handshake + request + confirm), ms | $(value flow_p50_ms) |"
  echo "| Full OTP flow latency p99, ms ($(value flows) flows) | $(value flow_p99_ms) |"
} >"$OTP_TABLE"

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
  echo "# Performance"
  echo
  echo "Generated by \`scripts/bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Every figure was measured"
  echo "in that one run on this machine; the targets (issue 17) are in their own column, and"
  echo "\"met\" is computed from the figures beside them. Re-run the script to measure yours."
  echo
  echo "- CPU: ${CPU:-unknown} ($(nproc) cores available)"
  echo "- OpenSSL: $("$OPENSSL" version)"
  echo "- nginx: ${NGINX_VERSION:-not installed} (Debian's nginx-light package, built against the same OpenSSL 3.0)"
  echo "- Load average when the measurements started: $LOAD_AT_START (1, 5, 15 min); other work on"
  echo "  the machine lowers every figure, ours and the references alike"
  echo "- Settings: QUICK=$QUICK RUNS=$RUNS SECONDS_PER_RUN=$SECONDS_PER_RUN SPEED_SECONDS=$SPEED_SECONDS" \
    "CONCURRENCY=$CONCURRENCY IDLE_COUNTS=\"$IDLE_COUNTS\" FLOWS=$FLOWS, open-files limit $FD_LIMIT" \
    "(noisy figures: median of RUNS runs)"
  echo
  echo "## Against nginx"
  echo
  cat "$HEADLINE"
  echo
  echo "## Other references"
  echo
  cat "$TABLE"
  echo
  echo "## OTP against the bank"
  echo
  cat "$OTP_TABLE"
  echo
  cat <<EOF
How each figure is taken:

- **Against nginx** (\`tests/bench/bench_load handshakes\`, our client engine, one thread,
  CONCURRENCY=$CONCURRENCY coroutines each repeating: TCP connect, full handshake, close_notify,
  close): our \`tls_peer server --threads 1 --suites $LOOPBACK_SUITE --groups x25519 --quiet\` (with
  \`--ca-file ca.pem --require-client-cert\` for mutual) against ${NGINX_VERSION:-nginx} with one
  worker process (\`worker_processes 1\`, its own instance started as \`nginx -p DIR -c
  DIR/nginx.conf\`, never a system service), and \`openssl s_server -tls1_3 -num_tickets 0 -www\`
  (single-threaded; \`-Verify 1 -CAfile ca.pem\` for mutual). Each server gets the same
  certificate and key (RSA-2048 with RSA-PSS signatures, or ECDSA P-256 with
  ecdsa_secp256r1_sha256, each issued by its own CA of the same kind made with \`openssl\`), the
  same suite and group, no session tickets and no session cache; the mutual cases send a client
  certificate of the same kind, which each server verifies against the CA. The three servers run
  side by side and the runs take turns (ours, nginx, s_server, then again), RUNS=$RUNS runs of
  ${SECONDS_PER_RUN} s each after a short warm-up that is not counted; each figure is the median.
  CPU: \`utime + stime\` (fields 14 and 15 of \`/proc/PID/stat\`, in clock ticks of
  \`getconf CLK_TCK\` = $CLK_TCK) of the process doing the TLS work (nginx's worker, not its
  master) over a run, divided by the handshakes the load generator completed in that run.
  Neither server writes anything per connection (ours: \`--quiet --log-level warn\`; nginx:
  \`access_log off\`). The load generator and the servers share the machine's cores.
  nginx's configuration (mutual case; server-only lacks the two \`ssl_verify_client\` /
  \`ssl_client_certificate\` lines):

  \`\`\`nginx
$(sed 's/^/  /' "$WORK/nginx.conf.example" 2>/dev/null || echo "  (nginx not installed)")
  \`\`\`

- **Where the time goes**: one more run of each server-only case per server under \`perf record -F 999 -p
  PID\` (cpu-clock samples of that process only); \`perf report --sort dso\` gives each shared
  object's share of the samples, applied to the CPU µs per handshake of the runs without perf
  (above; perf's sampling adds a little kernel time to the shares). Classes: libcrypto.so, the
  kernel, libc.so, and everything else (the server's own code: tls_peer and libstdc++/spdlog for
  ours, nginx and libssl.so for nginx).
- **Idle memory** (\`bench_load hold\`, ${HOLD_THREADS} threads × ${HOLD_CONCURRENCY} coroutines opening
  channels, then keeping them open and silent until its standard input closes; sockets bound
  to 127.0.0.1, 127.0.0.2, … in turn, one address per ${PORTS_PER_SOURCE} channels, since one
  address has about 28,000 ephemeral ports towards one server port): a fresh server for each
  count (ours with \`--max-connections COUNT+256 --idle-timeout 3600\`; nginx with
  \`worker_connections COUNT+256\`, \`worker_rlimit_nofile COUNT+512\` (at most the hard limit) and
  \`client_header_timeout 3600s\` so that a channel without a request stays open), warmed up by
  half a second of handshakes; VmRSS of the server process (nginx's worker) before the channels
  are opened and one second after the last one is, divided by the channels held. nginx
  allocates its connection and event structures for all \`worker_connections\` when the worker
  starts, so they are in its "before" figure, not in the growth; OpenSSL's buffers of an idle
  connection are released (nginx sets SSL_MODE_RELEASE_BUFFERS) and the request buffer of a
  connection waiting for its first request is freed. Kernel socket memory is in neither.
- **Other references**: the same loopback runs against \`openssl s_server\` (above). Thread
  scaling: \`tls_peer server --threads 1, 2, 4\` (RSA-2048, server-only) with the same
  one-thread load generator. Caveat: with 2 cores shared by the server and the load generator,
  more server threads cannot show more than the second core; on a quiet machine the figure
  mostly tells what the locking and the strands cost, while on a busy one more threads also
  win a larger share of the cores from the other processes, so the gain there is not the
  server's scaling.
- **Engine** (\`tests/bench/bench_engine\`): client and server engines in one thread, bytes
  handed over in memory. A handshake is complete on both sides: X25519, RSA-2048 certificates
  (RSA-PSS signatures) on both sides, each chain verified. Reference: \`openssl speed rsa2048\`
  sign/s halved, since a mutually authenticated handshake signs twice (it ignores X25519 and
  verification, so it is a loose upper bound). When bench_engine prints them (\`--pki-ecdsa\`),
  the server's side of such a handshake (RSA-2048 and ECDSA P-256, server-only and mutual) is
  set against the time its cryptography alone takes (target: within ${TARGET_ENGINE_OVER_CRYPTO}x). Bulk: 16 KiB of
  application data per record; seal = \`send_application_data\` + \`take_output\`, open =
  \`receive\` + \`take_events\`, timed apart. Reference: \`openssl speed -aead -evp <cipher>
  -bytes 16384\` (a TLS-like sequence: nonce, AAD, encrypt, tag) for seal, the same with
  \`-decrypt\` for open. Private suites use the AEAD of their name. A full record's inner
  plaintext is 16,385 bytes (content + content type) where \`speed\` encrypts 16,384:
  ChaCha20-Poly1305 pays for that partial block (with 16,383 bytes of content per record the
  same engine measured 4% more; OpenSSL's own TLS 1.3 records carry the same extra byte). The
  harness raises glibc's heap trim threshold so that freeing a batch of records does not hand
  the heap back to the kernel every time.
- **OTP** (\`tests/bench/bench_otp\`, the client's own protocol code): against the real
  \`bank_server\` enrolled with a real \`ttp\`; each channel is a device of the customer
  (SUBSCRIBE); a round trip is TRANSFER, the OTP pushed to the channel, CONFIRM accepted (the
  durable store commits each step with fsync). A full flow opens a new mutually authenticated
  channel (including the bank's revocation check), subscribes, transfers, confirms, says QUIT
  and closes.
EOF
} >"$WORK/page.md"

# SCALE=0 keeps the scale-out section already in OUTPUT (SCALE=1 replaces it below).
if [[ ${SCALE:-1} != 1 && -f $OUTPUT ]]; then
  awk '/^## Scale-out: SQLite and PostgreSQL/ { keep = 1; print "" } keep && /^## / && !/^## Scale-out/ { keep = 0 }
    keep { print }' "$OUTPUT" >>"$WORK/page.md"
fi

echo
cat "$HEADLINE"
echo
cat "$TABLE"
echo
cat "$OTP_TABLE"
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
