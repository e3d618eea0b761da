#!/usr/bin/env bash
# Two `ttp serve` instances on one PostgreSQL registry (issue 15), over the network:
#   BIN=build/bin TTP_REQUEST=build/tests/bin/ttp_request tests/integration/ttp/two_instances.sh
# Starts its own throwaway cluster (scripts/postgres.sh, stopped on exit), gives the second
# instance a copy of the first one's CA key and certificate (docs/TTP.md, "Several TTP
# instances"), then checks:
#   - 20 concurrent enrollments of ONE token, spread over both instances: exactly one certificate,
#     19 answers "token-used";
#   - a revocation made through either instance's admin command is in the next STATUS answer and
#     CRL of the other, with CRL numbers that keep growing across instances;
#   - while the database is down, requests get "ERROR unavailable", the daemons keep running and
#     answer again once it is back;
#   - the database password appears in no log.
# Prints PASS/FAIL lines and "N passed, M failed"; exits non-zero when a check fails. No timing
# assertions: every wait is bounded and polls for the event.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT" || exit 1
BIN=${BIN:-build/bin}
TTP_REQUEST=${TTP_REQUEST:-build/tests/bin/ttp_request}
source scripts/lib.sh


WORK=$(mktemp -d /tmp/sc-two-ttp.XXXXXX)
# The cluster has its own folder: when run as root, the server runs as `postgres`, which must
# reach it (WORK stays 0700).
PG=$(mktemp -d /tmp/sc-two-ttp-pg.XXXXXX)
cleanup() {
  stop_daemons
  scripts/postgres.sh stop "$PG" >/dev/null 2>&1 || rm -rf "$PG"
  rm -rf "$WORK"
}
trap cleanup EXIT

scripts/postgres.sh start "$PG" >/dev/null || { echo "cannot start PostgreSQL" >&2; exit 1; }
URI=$(scripts/postgres.sh createdb "$PG" ttp_registry) || exit 1
PASSWORD=$(cut -d: -f5 "$PG/pgpass")

T1=$WORK/ttp1
T2=$WORK/ttp2
"$BIN/ttp" init --certs-dir "$T1" --store "$URI" --root-key-type ecdsa --root-curve P-256 \
  >"$WORK/init.log" 2>&1 || { cat "$WORK/init.log" >&2; exit 1; }
# The second instance: the same CA (key and certificate), its own folder, service key and CRL.
mkdir -m 0700 "$T2"
install -m 0600 "$T1/ca.key" "$T1/ca.pem" "$T2/"

serve() {  # NAME FOLDER
  start_daemon "$1" "$WORK/$1.log" "$WORK/$1.port" "$BIN/ttp" serve --certs-dir "$2" \
    --store "$URI" --listen 127.0.0.1:0 --port-file "$WORK/$1.port" \
    --enroll-rate 1000 --enroll-burst 1000 --status-rate 1000 --status-burst 1000
}
serve ttp1 "$T1" || exit 1
P1=$DAEMON_PORT
PID1=$DAEMON_PID
serve ttp2 "$T2" || exit 1
P2=$DAEMON_PORT
PID2=$DAEMON_PID
FINGERPRINT=$(cat "$T1/ca.fingerprint")
check "both instances serve the same root" \
  test "$FINGERPRINT" = "$(cat "$T2/ca.fingerprint")"

request() {  # PORT ARGS...: one request, bounded
  local port=$1
  shift
  timeout 120 "$TTP_REQUEST" "$port" "$FINGERPRINT" "$@"
}
token() {  # FOLDER CN: a customer token minted through that instance's admin command
  "$BIN/ttp" token create --certs-dir "$1" --store "$URI" --role customer --cn "$2" \
    2>>"$WORK/admin.log"
}

# --- 20 concurrent enrollments of one token, spread over both instances
TOKEN=$(token "$T1" racer)
check "a token was minted" test ${#TOKEN} -eq 64
racers=()
for i in $(seq 1 20); do
  port=$P1
  ((i % 2 == 0)) && port=$P2
  request "$port" enroll "$TOKEN" racer >"$WORK/race-$i.out" 2>&1 &
  racers+=($!)
done
for pid in "${racers[@]}"; do wait "$pid"; done
enrolled=$(cat "$WORK"/race-*.out | grep -c '^ENROLLED ')
used=$(cat "$WORK"/race-*.out | grep -c '^ERROR token-used ')
echo "race: $enrolled enrolled, $used refused as token-used"
check "exactly one of 20 concurrent enrollments of one token succeeded" test "$enrolled" -eq 1
check "the 19 others were refused as token-used" test "$used" -eq 19
SERIAL1=$(cat "$WORK"/race-*.out | sed -n 's/^ENROLLED //p' | head -1)

# --- a revocation through instance 1 is seen by instance 2, and the other way round
check "instance 2 knows the certificate instance 1 or 2 issued" \
  test "$(request "$P2" status "$SERIAL1")" = "STATUS good"
"$BIN/ttp" revoke --certs-dir "$T1" --store "$URI" --serial "$SERIAL1" --reason keyCompromise \
  >>"$WORK/admin.log" 2>&1
check "ttp revoke on instance 1: instance 2's next STATUS answer is revoked" \
  test "$(request "$P2" status "$SERIAL1")" = "STATUS revoked"

crl_of() {  # PORT FILE: the CRL the instance hands out
  request "$1" crl | sed '1d' >"$2"
}
lists() {  # CRL_FILE SERIAL...: every serial is in the CRL
  local text serial
  text=$(openssl crl -noout -text -in "$1" 2>/dev/null) || return 1
  for serial in "${@:2}"; do grep -qi "Serial Number: $serial" <<<"$text" || return 1; done
}
crl_number() { openssl crl -noout -crlnumber -in "$1" | sed 's/crlNumber=0x//'; }
crl_of "$P2" "$WORK/crl-2.pem"
check "instance 2's CRL lists the revocation made through instance 1" \
  lists "$WORK/crl-2.pem" "$SERIAL1"

TOKEN2=$(token "$T2" second)
SERIAL2=$(request "$P2" enroll "$TOKEN2" second | sed -n 's/^ENROLLED //p')
check "a second certificate was issued by instance 2" test -n "$SERIAL2"
"$BIN/ttp" revoke --certs-dir "$T2" --store "$URI" --serial "$SERIAL2" --reason superseded \
  >>"$WORK/admin.log" 2>&1
check "ttp revoke on instance 2: instance 1's next STATUS answer is revoked" \
  test "$(request "$P1" status "$SERIAL2")" = "STATUS revoked"
crl_of "$P1" "$WORK/crl-1.pem"
check "instance 1's CRL lists both revocations" lists "$WORK/crl-1.pem" "$SERIAL1" "$SERIAL2"
check "the CRL number grew from instance 2's CRL to instance 1's" \
  test $((16#$(crl_number "$WORK/crl-1.pem"))) -gt $((16#$(crl_number "$WORK/crl-2.pem")))
check "a revocation already made through the other instance is refused" \
  bash -c "! '$BIN/ttp' revoke --certs-dir '$T1' --store '$URI' --serial '$SERIAL2' \
           >>'$WORK/admin.log' 2>&1"

# --- the database goes away and comes back
scripts/postgres.sh pause "$PG"
down=$(request "$P1" status "$SERIAL1")
check "while the database is down, a STATUS request gets ERROR unavailable" \
  grep -q '^ERROR unavailable ' <<<"$down"
down=$(request "$P2" enroll "$(printf 'b%.0s' $(seq 64))" nobody)
check "while the database is down, an ENROLL gets ERROR unavailable" \
  grep -q '^ERROR unavailable ' <<<"$down"
check "both instances are still running" kill -0 "$PID1" "$PID2"
scripts/postgres.sh resume "$PG"
recovered() {  # PORT: polls until a STATUS answer comes from the registry again (60 s)
  local tries
  for tries in $(seq 120); do
    [[ $(request "$1" status "$SERIAL1") == "STATUS revoked" ]] && return 0
    sleep 0.5
  done
  return 1
}
check "instance 1 answers from the registry again once the database is back" recovered "$P1"
check "instance 2 answers from the registry again once the database is back" recovered "$P2"
TOKEN3=$(token "$T1" after)
check "an enrollment succeeds after the outage" \
  grep -q '^ENROLLED ' <<<"$(request "$P2" enroll "$TOKEN3" after)"

# --- logs show where the registry is, never the password
check "the logs name the registry without its password" \
  grep -q "registry postgresql://sc@127.0.0.1" "$WORK/ttp1.log"
check "no log holds the database password" \
  bash -c "! grep -rqF '$PASSWORD' '$WORK'/*.log"

stop_daemons
echo
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
