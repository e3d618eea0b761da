#!/usr/bin/env bash
# Two bank_server instances on one PostgreSQL database, one TTP, real clients on loopback (issue
# 15). One scenario per run:
#   BIN=build/bin tests/integration/scale/scale.sh SCENARIO
# Scenarios:
#   cross-instance     the device is on instance A, the transfer is started on B: the code is
#                      pushed through A (the bus), sealed in the outbox meanwhile, confirmed on B
#   concurrent-confirm 20 concurrent `client confirm` of one transaction over both instances:
#                      exactly one is accepted
#   alternating-wrong  6 wrong codes alternating between the instances: warned at the 4th,
#                      blocked at the 5th (the device on the other instance hears of it), the 6th
#                      and the right code refused as blocked
#   failover           A is killed with SIGKILL while a transfer is pending; the device comes back
#                      on B and gets the code from the outbox; B accepts it
#   database-restart   PostgreSQL stops and starts again under both instances: their notification
#                      channels reconnect with backoff, and a push crosses instances again
# Each run starts its own throwaway PostgreSQL (scripts/postgres.sh) and stops it in a trap.
# Prints PASS/FAIL lines and "N passed, M failed"; exits non-zero when a check fails. No timing
# assertions: every wait has an upper bound and polls for the event.
set -uo pipefail
trap "" PIPE
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT" || exit 1
BIN=${BIN:-build/bin}
source scripts/lib.sh

SCENARIO=${1:?usage: scale.sh SCENARIO}
WORK=$(mktemp -d)
PGDIR=$(mktemp -d /tmp/sc-scale-pg.XXXXXX)
[[ -n ${KEEP_WORK:-} ]] && echo "work folder: $WORK"
cleanup() {
  stop_daemons
  scripts/postgres.sh stop "$PGDIR" >/dev/null 2>&1 || rm -rf "$PGDIR"
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
CERTS=$WORK/certs

abort() {
  fail "$*"
  finish
}

# launch NAME LOG PORT_FILE COMMAND...: start_daemon from scripts/lib.sh with a longer wait;
# sets LAUNCHED_PORT and LAUNCHED_PID.
launch() {
  start_daemon "$@" || return 1
  LAUNCHED_PORT=$DAEMON_PORT
  LAUNCHED_PID=$DAEMON_PID
}

# ---- PostgreSQL, the TTP and two bank instances
STORE_URI=
start_database() {
  scripts/postgres.sh start "$PGDIR" >"$WORK/postgres.out" 2>&1 || {
    cat "$WORK/postgres.out" >&2
    return 1
  }
  STORE_URI=$(scripts/postgres.sh createdb "$PGDIR" bank) || return 1
}
psql_store() {  # psql_store SQL: one query on the bank's database, unaligned
  "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql" -X -q -At "$STORE_URI" -c "$1"
}

start_ttp() {
  launch ttp "$WORK/ttp.log" "$WORK/ttp.port" "$BIN/ttp" serve --certs-dir "$CERTS/ttp" \
    --listen 127.0.0.1:0 --port-file "$WORK/ttp.port" --log-level "${LOG_LEVEL:-info}" || return 1
  TTP_PORT=$LAUNCHED_PORT
  FINGERPRINT=$(cat "$CERTS/ttp/ca.fingerprint")
}
token() { "$BIN/ttp" token create --certs-dir "$CERTS/ttp" "$@" 2>>"$WORK/admin.log"; }

declare -A BANK_PORTS BANK_PIDS
# start_bank NAME [bank options...]: instance NAME on the shared store, folder CERTS/bank-NAME.
start_bank() {
  local name=$1
  shift
  [[ -n ${BANK_TOKEN:-} ]] || BANK_TOKEN=$(token --role bank --cn bank.example --host localhost)
  local listen=127.0.0.1:0
  [[ -n ${BANK_PORTS[$name]:-} ]] && listen=127.0.0.1:${BANK_PORTS[$name]}
  launch "bank $name" "$WORK/bank-$name.log" "$WORK/bank-$name.port" \
    "$BIN/bank_server" --certs-dir "$CERTS/bank-$name" --port-file "$WORK/bank-$name.port" \
    --listen "$listen" --store "$STORE_URI" \
    --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "$BANK_TOKEN" \
    --common-name bank.example --country DE --organisation "Example Bank" --host-name localhost \
    --log-level "${LOG_LEVEL:-info}" "$@" || return 1
  BANK_PORTS[$name]=$LAUNCHED_PORT
  BANK_PIDS[$name]=$LAUNCHED_PID
}

# The second instance is the first one's copy: the same certificate and key, store key and push
# key (every instance on one store needs them); its own audit log.
clone_bank() {
  local from=$1 to=$2
  cp -a "$CERTS/bank-$from" "$CERTS/bank-$to"
  rm -f "$CERTS/bank-$to"/audit.*
}

start_instances() {
  start_database || abort "PostgreSQL did not start"
  start_ttp || abort "the TTP did not start"
  start_bank a "$@" || abort "bank instance a did not start"
  clone_bank a b
  start_bank b "$@" || abort "bank instance b did not start"
  # Both instances listen for each other's pushes before any customer arrives.
  wait_for_line "$WORK/bank-a.log" "listening on channel" 30 || abort "instance a does not listen"
  wait_for_line "$WORK/bank-b.log" "listening on channel" 30 || abort "instance b does not listen"
}

# ---- customers (scripts/flows.sh): BANK_PORT says which instance a command goes to
declare -A TOKENS
BANK_PORT=
customer() {
  local name=$1
  shift
  [[ -n ${TOKENS[$name]:-} ]] || TOKENS[$name]=$(token --role customer --cn "$name")
  timeout "${CUSTOMER_TIMEOUT:-120}" "$BIN/client" --certs-dir "$CERTS/$name" \
    --connect "localhost:$BANK_PORT" \
    --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "${TOKENS[$name]}" \
    --common-name "$name" --country DE --log-level "${LOG_LEVEL:-info}" "$@" \
    2>>"$WORK/client-$name.log"
}
source scripts/flows.sh
on() { BANK_PORT=${BANK_PORTS[$1]}; }  # on a|b: the next commands go to that instance

# wrong_of CODE: another code of the same length.
wrong_of() { printf '%06d' $(((10#$1 + 1) % 1000000)); }

# ==== scenarios
scenario_cross_instance() {
  start_instances
  on a
  start_device alice || abort "alice's device did not subscribe on instance a"
  on b
  local out txn code rows
  out=$(customer alice transfer "${TRANSFER[@]}" --json)
  txn=$(json_field transaction "$out")
  [[ -n $txn ]] || abort "the transfer on instance b failed: $out"
  check "instance b counts only its own devices in the answer (devices 0)" \
    grep -q '"devices": 0' <<<"$out"
  code=$(device_code alice "$txn")
  check "the code reaches alice's device on instance a through the bus" test -n "$code"
  check "instance a delivered it from the outbox" \
    wait_for_line "$WORK/bank-a.log" "transaction $txn went from the outbox to 1 device" 10
  rows=$(psql_store "SELECT transaction_id || ' ' || customer || ' ' || key_id || ' ' || sealed FROM pending_pushes")
  check "the outbox holds the pending push" grep -q "$txn" <<<"$rows"
  check "...sealed: the code is nowhere in the table" bash -c "! grep -q '$code' <<<'$rows'"
  check "...under the shared push key" \
    grep -q "$(sed -n 's/^\([0-9a-f]\{16\}\) .*/\1/p' "$CERTS/bank-a/push.key" | tail -1)" <<<"$rows"
  check "the code is accepted on instance b" confirm alice "$txn" "$code"
  check "the confirmed transfer's push left the outbox" \
    test -z "$(psql_store "SELECT transaction_id FROM pending_pushes WHERE transaction_id = '$txn'")"
  # And the other way round: a device on b, a transfer on a.
  on b
  start_device bob || abort "bob's device did not subscribe on instance b"
  on a
  txn=$(start_transfer bob)
  code=$(device_code bob "$txn")
  check "a transfer on a reaches bob's device on b" test -n "$code"
  on a
  check "...and is accepted on a" confirm bob "$txn" "$code"
  check "neither instance logged a code" \
    bash -c "! grep -h 'code=[0-9]' '$WORK/bank-a.log' '$WORK/bank-b.log'"
}

scenario_concurrent_confirm() {
  start_instances
  on a
  start_device alice || abort "alice's device did not subscribe"
  local txn code i
  txn=$(start_transfer alice)
  code=$(device_code alice "$txn")
  [[ -n $code ]] || abort "no code reached alice's device"
  local pids=()
  for i in $(seq 1 20); do
    if ((i % 2)); then on a; else on b; fi
    (
      customer alice confirm --txn "$txn" --code "$code" --json >"$WORK/confirm-$i.json"
      echo $? >"$WORK/confirm-$i.status"
    ) &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
  local accepted=0 replayed=0 other=0 status
  for i in $(seq 1 20); do
    status=$(cat "$WORK/confirm-$i.status" 2>/dev/null || echo missing)
    case $status in
      0) accepted=$((accepted + 1)) ;;
      9) replayed=$((replayed + 1)) ;;
      *)
        other=$((other + 1))
        echo "  confirmation $i: exit $status: $(cat "$WORK/confirm-$i.json" 2>/dev/null)"
        ;;
    esac
  done
  echo "  20 concurrent confirmations over a and b: $accepted accepted, $replayed already used, $other other"
  check "exactly one of 20 concurrent confirmations is accepted" test $accepted -eq 1
  check "the 19 others are refused as already used" test $replayed -eq 19
}

scenario_alternating_wrong() {
  start_instances
  on b
  start_device carol || abort "carol's device did not subscribe on instance b"
  local txns=() codes=() i txn status out statuses=()
  for i in 0 1 2; do
    if ((i % 2)); then on b; else on a; fi
    txn=$(start_transfer carol)
    txns+=("$txn")
    codes+=("$(device_code carol "$txn")")
  done
  [[ -n ${codes[2]} ]] || abort "carol's device did not get her three codes"
  # Two wrong codes per transfer (never locking one), alternating a, b, a, b, a, b.
  for i in 0 1 2 3 4 5; do
    if ((i % 2)); then on b; else on a; fi
    status=0
    customer carol confirm --txn "${txns[$((i / 2))]}" --code "$(wrong_of "${codes[$((i / 2))]}")" \
      --json >"$WORK/wrong-$i.json" || status=$?
    statuses+=("$status")
  done
  echo "  exit codes of the 6 wrong codes: ${statuses[*]}"
  check "the first four are wrong codes (exit 1) on either instance" \
    test "${statuses[*]:0:4}" = "1 1 1 1"
  check "the 4th leaves one attempt before the block" \
    grep -q '"customer_attempts_left": 1' "$WORK/wrong-3.json"
  check "the 5th (on a) uses the last attempt: the customer is blocked" \
    grep -q '"customer_attempts_left": 0' "$WORK/wrong-4.json"
  check "the 6th (on b) is refused as blocked (exit 8)" test "${statuses[5]}" -eq 8
  check "the device on b was warned (4th, on b)" wait_for_event carol '"event": "warning"' 30
  check "...and told of the block decided on a (through the bus)" \
    wait_for_event carol '"event": "blocked"' 30
  on a
  status=0
  confirm carol "${txns[2]}" "${codes[2]}" || status=$?
  check "while blocked even the right code is refused on a (exit $status)" test $status -eq 8
  on b
  status=0
  confirm carol "${txns[2]}" "${codes[2]}" || status=$?
  check "...and on b (exit $status)" test $status -eq 8
}

scenario_failover() {
  start_instances
  on a
  DEVICE_KEEPALIVE=2 start_device dave || abort "dave's device did not subscribe on instance a"
  local txn code again status
  txn=$(start_transfer dave)
  code=$(device_code dave "$txn")
  [[ -n $code ]] || abort "no code reached dave's device on a"
  kill -KILL "${BANK_PIDS[a]}"
  wait "${BANK_PIDS[a]}" 2>/dev/null
  check "the device notices that instance a went away" \
    wait_for_line "$WORK/client-dave.log" "reconnect" 30
  check "the pending push survived a's death in the outbox" \
    test -n "$(psql_store "SELECT transaction_id FROM pending_pushes WHERE transaction_id = '$txn'")"
  # The device comes back on instance b (a load balancer would send it there).
  stop_device dave
  mv "$WORK/device-dave.jsonl" "$WORK/device-dave-on-a.jsonl"
  on b
  start_device dave || abort "dave's device did not subscribe on instance b"
  again=$(device_code dave "$txn")
  check "on b the device gets the pending code again, from the outbox" test -n "$again"
  check "...the same code a pushed" test "$again" = "$code"
  check "instance b accepts it" confirm dave "$txn" "$again"
  status=0
  confirm dave "$txn" "$again" || status=$?
  check "a replay is refused (exit $status)" test $status -eq 9
  # A new transfer on b still reaches the device.
  check "the flow keeps working on b alone" honest_flow_works dave
}

scenario_database_restart() {
  start_instances
  on a
  start_device erin || abort "erin's device did not subscribe on instance a"
  scripts/postgres.sh pause "$PGDIR" || abort "PostgreSQL did not stop"
  check "instance a notices that its notification channel is gone" \
    wait_for_line "$WORK/bank-a.log" "push bus: lost the notification channel" 30
  check "...and so does b" \
    wait_for_line "$WORK/bank-b.log" "push bus: lost the notification channel" 30
  on b
  local out status=0
  out=$(customer erin transfer "${TRANSFER[@]}" --json) || status=$?
  check "while the database is away a transfer is refused (exit $status)" test $status -ne 0
  scripts/postgres.sh resume "$PGDIR" || abort "PostgreSQL did not start again"
  check "instance a listens again once the database is back" \
    wait_for_line "$WORK/bank-a.log" "push bus: listening again" 60
  check "...and so does b" wait_for_line "$WORK/bank-b.log" "push bus: listening again" 60
  local txn= code tries=0
  on b
  # The store's own connection comes back on its next attempt (backoff up to 5 s).
  until [[ -n $txn ]] || ((tries >= 30)); do
    txn=$(start_transfer erin) || { txn=; sleep 1; }
    tries=$((tries + 1))
  done
  code=$(device_code erin "$txn")
  check "a transfer on b reaches the device on a again" test -n "$code"
  check "...and is accepted on b" confirm erin "$txn" "$code"
}

case $SCENARIO in
  cross-instance) scenario_cross_instance ;;
  concurrent-confirm) scenario_concurrent_confirm ;;
  alternating-wrong) scenario_alternating_wrong ;;
  failover) scenario_failover ;;
  database-restart) scenario_database_restart ;;
  *)
    echo "unknown scenario $SCENARIO" >&2
    exit 2
    ;;
esac
finish
