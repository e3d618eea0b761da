#!/usr/bin/env bash
# Several bank instances on one PostgreSQL database (issue 15), in one go:
#   1. sets up (packages + build) unless BIN is given, 2. starts a throwaway PostgreSQL
#      (scripts/postgres.sh, removed at the end), 3. starts the TTP, 4. starts bank instance A
#      (it enrolls) and instance B from a copy of A's folder (same certificate and key, store key
#      and push key), both with --store postgresql://..., 5. starts alice's device on A,
#   6. starts a transfer on B: the OTP crosses to A through the database's push bus (sealed in
#      the outbox, announced with NOTIFY) and reaches the device, 7. confirms it on B,
#   8. stops everything it started, by pid, and removes the cluster and its folder.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z ${BIN:-} ]]; then
  scripts/setup.sh
  BIN=build/bin
fi
source scripts/lib.sh

RUN=$(mktemp -d)
PGDIR=$(mktemp -d /tmp/sc-demo-scale-pg.XXXXXX)
CERTS=${CERTS:-$RUN/certs}
cleanup() {
  stop_daemons
  scripts/postgres.sh stop "$PGDIR" >/dev/null 2>&1 || rm -rf "$PGDIR"
  rm -rf "$RUN"
}
trap cleanup EXIT
mkdir -p "$CERTS"

echo "== starting a throwaway PostgreSQL (scripts/postgres.sh, folder $PGDIR)"
scripts/postgres.sh start "$PGDIR" >"$RUN/postgres.out"
STORE=$(scripts/postgres.sh createdb "$PGDIR" bank)
PSQL="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql"
echo "   bank store: ${STORE%%\?*} (the password is in $PGDIR/pgpass, never on a command line)"

echo "== starting the TTP (logs: $RUN/ttp.log)"
start_daemon ttp "$RUN/ttp.log" "$RUN/ttp.port" \
  "$BIN/ttp" serve --certs-dir "$CERTS/ttp" --listen 127.0.0.1:0 --port-file "$RUN/ttp.port"
TTP_PORT=$DAEMON_PORT
FINGERPRINT=$(cat "$CERTS/ttp/ca.fingerprint")
token() { "$BIN/ttp" token create --certs-dir "$CERTS/ttp" "$@" 2>/dev/null; }
BANK_TOKEN=$(token --role bank --cn bank.example --host localhost)

declare -A BANK_PORTS
start_bank() {  # start_bank NAME: instance NAME, folder CERTS/bank-NAME, the shared store
  local name=$1
  start_daemon "bank $name" "$RUN/bank-$name.log" "$RUN/bank-$name.port" \
    "$BIN/bank_server" --certs-dir "$CERTS/bank-$name" --listen 127.0.0.1:0 \
    --port-file "$RUN/bank-$name.port" --store "$STORE" \
    --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "$BANK_TOKEN" \
    --common-name bank.example --country DE --organisation "Example Bank" --host-name localhost
  BANK_PORTS[$name]=$DAEMON_PORT
  echo "   instance $name on port $DAEMON_PORT (logs: $RUN/bank-$name.log)"
}
echo "== starting bank instance A (it enrolls with the TTP)"
start_bank A
echo "== starting bank instance B from a copy of A's folder (certificate, key, store.key, push.key)"
cp -a "$CERTS/bank-A" "$CERTS/bank-B"
rm -f "$CERTS/bank-B"/audit.*  # each instance keeps its own audit log
start_bank B
wait_for_line "$RUN/bank-A.log" "listening on channel" 30
wait_for_line "$RUN/bank-B.log" "listening on channel" 30

WORK=$RUN
declare -A TOKENS
BANK_PORT=
customer() {
  local name=$1
  shift
  "$BIN/client" --certs-dir "$CERTS/$name" --connect "localhost:$BANK_PORT" \
    --ttp "127.0.0.1:$TTP_PORT" --ttp-fingerprint "$FINGERPRINT" --token "${TOKENS[$name]}" \
    --common-name "$name" --country DE "$@" 2>>"$RUN/client.log"
}
source scripts/flows.sh

echo "== alice's device connects to instance A (client daemon; logs: $RUN/client.log)"
BANK_PORT=${BANK_PORTS[A]}
start_device alice || {
  echo "alice's device did not subscribe; log:" >&2
  tail -n 30 "$RUN/client.log" >&2
  exit 1
}

echo "== alice starts a transfer on instance B"
BANK_PORT=${BANK_PORTS[B]}
answer=$(customer alice transfer "${TRANSFER[@]}" --json)
txn=$(json_field transaction "$answer")
echo "   transaction $txn; B's answer counts its own devices: devices=$(json_field devices "$answer")"
code=$(device_code alice "$txn") || {
  echo "the OTP did not reach alice's device on A; logs in $RUN" >&2
  tail -n 20 "$RUN/bank-A.log" >&2
  exit 1
}
echo
echo "== the pending push in the outbox (table pending_pushes; sealed, no code in the clear):"
"$PSQL" -X -q "$STORE" -c "SELECT transaction_id, left(customer, 16) || '...' AS customer, \
to_timestamp(expires_at_ms / 1000) AS expires, key_id, left(sealed, 32) || '...' AS sealed \
FROM pending_pushes"
echo "== instance A's log: the push crossed from B"
grep -h "transaction $txn went from the outbox" "$RUN/bank-A.log" | sed 's/^/   /'
echo "== alice's device (on A) showed:"
grep "\"transaction\": \"$txn\"" "$RUN/device-alice.jsonl" |
  sed -n 's/.*"event": "otp".*"text": "\([^"]*\)".*/   \1/p'
echo
echo "== alice confirms on instance B"
if confirm alice "$txn" "$code"; then
  echo "   client confirm --txn $txn --code $code (on B): accepted"
else
  echo "   client confirm on B: $(cat "$RUN/confirm-alice.json")" >&2
  exit 1
fi
left=$("$PSQL" -X -q -At "$STORE" -c "SELECT COUNT(*) FROM pending_pushes")
echo "   pushes left in the outbox: $left"
echo
echo "== stopping the daemons and the PostgreSQL cluster"
