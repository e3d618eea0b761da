# Shared by demo.sh and e2e.sh: start daemons on free ports, wait for them, stop them by pid.
# shellcheck shell=bash

BIN=${BIN:-build/bin}
PIDS=()

# start_daemon NAME LOGFILE PORTFILE COMMAND...: runs COMMAND in the background, waits until
# it has written its port to PORTFILE, and sets DAEMON_PORT and DAEMON_PID. Call it in the
# script's own shell, never inside $(...): a subshell's PIDS would be lost and stop_daemons
# would leave the daemon running.
start_daemon() {
  local name=$1 log=$2 port_file=$3
  shift 3
  rm -f "$port_file"
  "$@" >"$log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local waited=0
  until [[ -s $port_file ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited before it was ready; its log ($log):" >&2
      tail -n 30 "$log" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
    if ((waited > 600)); then
      echo "$name not ready after 60 s; its log ($log):" >&2
      tail -n 30 "$log" >&2
      return 1
    fi
  done
  DAEMON_PORT=$(cat "$port_file")
  DAEMON_PID=$pid
}

# stop_daemons: SIGTERM to every daemon started here, then wait for each (SIGKILL after 10 s).
stop_daemons() {
  local pid
  # A daemon started through a shell function (the client's device, through `customer`) runs
  # as the child of a subshell: its children get the signal too.
  for pid in "${PIDS[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

# wait_for_line FILE PATTERN [SECONDS]: polls until FILE contains PATTERN (default 60 s).
wait_for_line() {
  local file=$1 pattern=$2 limit=${3:-60} waited=0
  until grep -q -- "$pattern" "$file" 2>/dev/null; do
    sleep 0.2
    waited=$((waited + 1))
    ((waited > limit * 5)) && return 1
  done
  return 0
}

# Checks for the test scripts: PASS/FAIL lines, counted; finish prints the count and exits 1 when
# anything failed.
PASSED=0
FAILED=0
pass() { echo "PASS: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
# check "description" command...: passes when the command succeeds
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  ((FAILED == 0))
  exit $?
}
