#!/usr/bin/env bash
# Scale-out figures (issue 15): OTP transfer+push+confirm round trips per second with
#   (1) one bank_server on SQLite, (2) one bank_server on PostgreSQL, (3) two bank_server
#   instances on one PostgreSQL database, the channels spread over both,
# and the latency of a push crossing instances (transfer started on instance B, the OTP pushed
# to a device connected to instance A). Prints a table and writes it as the section
# "Scale-out: SQLite and PostgreSQL" of docs/PERFORMANCE.md (replacing that section only).
#
#   scripts/bench-scale.sh                      # about 1.5 minutes (builds first)
#   SKIP_BUILD=1 SCALE_SECONDS=10 OTP_CHANNELS=6 CROSS_PUSHES=200 scripts/bench-scale.sh
#   OUTPUT=/tmp/perf.md scripts/bench-scale.sh  # write the section elsewhere
#
# Called by scripts/bench.sh at its end (SCALE=0 skips it there). Needs the PostgreSQL server
# binaries (scripts/setup.sh installs postgresql-15); the cluster is a throwaway one from
# scripts/postgres.sh, always removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCALE_SECONDS=${SCALE_SECONDS:-15}  # seconds per round-trip measurement
OTP_CHANNELS=${OTP_CHANNELS:-4}  # device channels, spread over the instances (the bank allows a
# customer 8 unconfirmed transfers: keep it below 8, one is left by the enrolment transfer)
CROSS_PUSHES=${CROSS_PUSHES:-200}   # transfers on B, each pushed to a device on A
OUTPUT=${OUTPUT:-docs/PERFORMANCE.md}
BUILD_DIR=${BUILD_DIR:-build}

log() { echo "[bench-scale] $*" >&2; }

if [[ -z ${SKIP_BUILD:-} ]]; then
  log "building (Release) into $BUILD_DIR/"
  BUILD_DIR=$BUILD_DIR scripts/setup.sh >/dev/null
fi
BIN=$ROOT/$BUILD_DIR/bin
TOOLS=$ROOT/$BUILD_DIR/tests/bin
source scripts/lib.sh

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc-bench-scale.XXXXXX")
PGDIR=$(mktemp -d /tmp/sc-bench-scale-pg.XXXXXX)  # under /tmp: the postgres user must reach it
CERTS=$WORK/certs
RESULTS=$WORK/results.txt
: >"$RESULTS"
cleanup() {
  stop_daemons
  scripts/postgres.sh stop "$PGDIR" >/dev/null 2>&1 || rm -rf "$PGDIR"
  if [[ -n ${KEEP_WORK:-} ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

value() { awk -v key="$1" '$1 == key { print $NF; exit }' "$RESULTS"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/'; }  # one field: 1/5/15 min

# Stops one daemon started by start_daemon (by its pid) and forgets it.
stop_one() {
  local pid=$1 kept=() other
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for other in "${PIDS[@]}"; do [[ $other == "$pid" ]] || kept+=("$other"); done
  PIDS=("${kept[@]}")
}

start_daemon ttp "$WORK/ttp.log" "$WORK/ttp.port" \
  "$BIN/ttp" serve --certs-dir "$CERTS/ttp" --listen 127.0.0.1:0 --port-file "$WORK/ttp.port"
TTP_PORT=$DAEMON_PORT
FINGERPRINT=$(cat "$CERTS/ttp/ca.fingerprint")
token() { "$BIN/ttp" token create --certs-dir "$CERTS/ttp" "$@" 2>>"$WORK/admin.log"; }
ALICE_TOKEN=$(token --role customer --cn alice)

# start_bank NAME FOLDER [--store URI]: bank instance NAME with folder CERTS/FOLDER; sets
# BANK_PID and BANK_PORT. The first start enrols; a folder copied from another instance keeps
# its certificate and keys.
start_bank() {
  local name=$1 folder=$2
  shift 2
  start_daemon "bank $name" "$WORK/bank-$name.log" "$WORK/bank-$name.port" \
    "$BIN/bank_server" --certs-dir "$CERTS/$folder" --listen 127.0.0.1:0 \
    --port-file "$WORK/bank-$name.port" "$@" \
    --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" \
    --token "$(token --role bank --cn bank.example --host localhost)" \
    --common-name bank.example --country DE --organisation "Example Bank" --host-name localhost
  BANK_PID=$DAEMON_PID
  BANK_PORT=$DAEMON_PORT
}

# One transfer with the real client (the first call enrols alice with the TTP).
client_transfer() {
  "$BIN/client" --certs-dir "$CERTS/alice" --connect "localhost:$1" --ttp "127.0.0.1:$TTP_PORT" \
    --ttp-fingerprint "$FINGERPRINT" --token "$ALICE_TOKEN" --common-name alice --country DE \
    transfer --account DE44500105175407324931 --amount 250.00 --currency EUR --payee "ACME Ltd" \
    --json >>"$WORK/client.out" 2>>"$WORK/client.err" || {
    log "the client's transfer on port $1 failed:"
    tail -n 20 "$WORK/client.err" >&2
    return 1
  }
}

# bench_otp against the given addresses; extra arguments are passed on. Prefixes its output
# lines with LABEL_ into RESULTS.
bench() {
  local label=$1 connect=$2
  shift 2
  local load
  load=$(loadavg)
  "$TOOLS/bench_otp" --connect "$connect" --server-name localhost \
    --cert "$CERTS/alice/cert.pem" --key "$CERTS/alice/key.pem" --ca-file "$CERTS/alice/ca.pem" \
    "$@" 2>>"$WORK/bench.err" | tee "$WORK/$label.out" | sed "s/^/${label}_/" >>"$RESULTS" || {
    log "bench_otp ($label) failed:"
    tail -n 5 "$WORK/bench.err" >&2
    return 1
  }
  echo "${label}_load $load" >>"$RESULTS"
  log "$label (load $load): $(grep -v '^\[' "$WORK/$label.out" | tr '\n' ' ')"
}
ROUND_TRIPS=(--channels "$OTP_CHANNELS" --seconds "$SCALE_SECONDS" --flows 0)

# ---------------------------------------------------------------- 1. one instance, SQLite
log "1/4 one bank_server on SQLite: $OTP_CHANNELS channels for $SCALE_SECONDS s"
start_bank sqlite bank-A  # enrols; the same folder serves instance A on PostgreSQL
client_transfer "$BANK_PORT"
bench sqlite "127.0.0.1:$BANK_PORT" "${ROUND_TRIPS[@]}"
stop_one "$BANK_PID"

# ---------------------------------------------------------------- 2. one instance, PostgreSQL
log "2/4 one bank_server on PostgreSQL (throwaway cluster in $PGDIR)"
scripts/postgres.sh start "$PGDIR" >"$WORK/postgres.out"
STORE=$(scripts/postgres.sh createdb "$PGDIR" bank)
PG_VERSION=$("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/postgres" --version)
start_bank A bank-A --store "$STORE"
PORT_A=$BANK_PORT
wait_for_line "$WORK/bank-A.log" "listening on channel" 30 || log "instance A: no LISTEN line yet"
client_transfer "$PORT_A"
bench pg1 "127.0.0.1:$PORT_A" "${ROUND_TRIPS[@]}"

# ---------------------------------------------------------------- 3. two instances, one database
log "3/4 two bank_server instances on one PostgreSQL database, channels spread over both"
cp -a "$CERTS/bank-A" "$CERTS/bank-B"  # same certificate and key, store.key, push.key
rm -f "$CERTS/bank-B"/audit.* "$CERTS/bank-B"/*.db*  # own audit log; the SQLite file is unused
start_bank B bank-B --store "$STORE"
PORT_B=$BANK_PORT
wait_for_line "$WORK/bank-B.log" "listening on channel" 30 || log "instance B: no LISTEN line yet"
bench pg2 "127.0.0.1:$PORT_A,127.0.0.1:$PORT_B" "${ROUND_TRIPS[@]}"

# ---------------------------------------------------------------- 4. a push crossing instances
CROSSED_BEFORE=$(grep -c "went from the outbox" "$WORK/bank-A.log" || true)
log "4/4 $CROSS_PUSHES transfers on B, each OTP pushed to a device on A (one after the other)"
bench cross "127.0.0.1:$PORT_B" --channels 0 --flows 0 --device-connect "127.0.0.1:$PORT_A" \
  --pushes "$CROSS_PUSHES"
CROSSED=$(($(grep -c "went from the outbox" "$WORK/bank-A.log" || true) - CROSSED_BEFORE))

# ---------------------------------------------------------------- the section
sqlite=$(value sqlite_otp_round_trips_per_s)
pg1=$(value pg1_otp_round_trips_per_s)
pg2=$(value pg2_otp_round_trips_per_s)
SECTION=$WORK/section.md
{
  echo "## Scale-out: SQLite and PostgreSQL"
  echo
  echo "Generated by \`scripts/bench-scale.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') ($(nproc) cores,"
  echo "$PG_VERSION). One run of each; the machine's load average (1, 5, 15 min) is given"
  echo "beside each figure: other work on the machine lowers the figures, so compare the ratios."
  echo
  echo "| Measurement | Value | Load average | Ratio |"
  echo "| --- | ---: | --- | ---: |"
  echo "| OTP round trips/s, 1 bank_server, SQLite | $sqlite | $(value sqlite_load) | 1.00 |"
  echo "| OTP round trips/s, 1 bank_server, PostgreSQL | $pg1 | $(value pg1_load) | PG / SQLite $(ratio "$pg1" "$sqlite") |"
  echo "| OTP round trips/s, 2 bank_server, one PostgreSQL database | $pg2 | $(value pg2_load) | 2×PG / 1×PG $(ratio "$pg2" "$pg1") |"
  echo "| Cross-instance push p50, TRANSFER sent on B → OTP line on A's device, ms | $(value cross_cross_push_p50_ms) | $(value cross_load) | |"
  echo "| Cross-instance push p99, same, ms ($(value cross_cross_pushes) pushes) | $(value cross_cross_push_p99_ms) | | |"
  echo "| Cross-instance push p50, B's TRANSFER answer → OTP line on A's device, ms | $(value cross_cross_push_after_answer_p50_ms) | | |"
  echo "| Cross-instance push p99, same, ms | $(value cross_cross_push_after_answer_p99_ms) | | |"
  echo
  echo "Failures reported by bench_otp: SQLite $(value sqlite_failures), 1×PG $(value pg1_failures)," \
    "2×PG $(value pg2_failures), cross-instance $(value cross_failures)."
  echo
  cat <<EOF
Setup (all on this one machine, over loopback):

- A real \`ttp\` and \`bank_server\` (Release build), alice enrolled by the real \`client\`;
  \`tests/bench/bench_otp\` uses her certificate and the client's own protocol code.
- A round trip: on an established channel that is one of alice's devices (SUBSCRIBE), TRANSFER,
  the OTP pushed to the device, CONFIRM accepted. $OTP_CHANNELS such channels for $SCALE_SECONDS s
  (\`bench_otp --channels $OTP_CHANNELS --seconds $SCALE_SECONDS\`). Every push goes to all of
  alice's subscribed devices, so each transfer fans out to $OTP_CHANNELS channels in every case.
- SQLite: \`bank_server\` with its default store (a file in its folder, fsync on commit).
- PostgreSQL: a throwaway cluster (\`scripts/postgres.sh\`, default settings, one database),
  \`bank_server --store postgresql://...\`.
- Two instances: instance B started from a copy of instance A's folder (same certificate and
  key, store.key, push.key), both on the same database; bench_otp's channels alternate between
  A and B (\`--connect A,B\`), so a push for a transfer started on one instance reaches half of
  the devices through the database's push bus (outbox + NOTIFY).
- Cross-instance push: one device subscribed on A, $CROSS_PUSHES transfers one after the other
  on a channel to B, each confirmed on B (\`bench_otp --connect B --device-connect A --pushes
  $CROSS_PUSHES\`); time from sending TRANSFER (or from B's answer) to the moment the device's
  channel delivered the OTP line. Instance A's log counted $CROSSED pushes taken from the outbox
  during this step (a few may be late ones of step 3).
- The bank instances, the database, the TTP and the load generator (one bench_otp process, one
  thread) share the machine's cores, so two instances cannot show a twofold rate here; the
  ratio says what a second instance adds on the same two cores.
- The bank allows a customer 8 unconfirmed transfers at a time; OTP_CHANNELS must stay below
  that (the enrolment's own transfer stays unconfirmed), or transfers are refused.
EOF
} >"$SECTION"

echo
cat "$SECTION"
mkdir -p "$(dirname "$OUTPUT")"
[[ -f $OUTPUT ]] || echo "# Performance" >"$OUTPUT"
# Replace the section (from its heading to the next "## " heading or the end), else append it.
awk -v section="$SECTION" '
  /^## Scale-out: SQLite and PostgreSQL/ { skipping = 1; replaced = 1
    while ((getline line < section) > 0) print line; next }
  skipping && /^## / { skipping = 0 }
  !skipping { print }
  END { if (!replaced) { print ""; while ((getline line < section) > 0) print line } }
' "$OUTPUT" >"$WORK/page.md"
cp "$WORK/page.md" "$OUTPUT"
log "wrote the section to $OUTPUT"
