#!/usr/bin/env bash
# The service units in packaging/systemd/ pass `systemd-analyze verify` (with ExecStart pointed at
# this build's daemons, since the units name the installed /usr/local/bin paths), and the daemons
# speak the sd_notify protocol those Type=notify units rely on: READY=1 once listening, WATCHDOG=1
# keep-alives when WATCHDOG_USEC asks for them, STOPPING=1 on SIGTERM. No systemd needs to run:
# a Python datagram socket plays the service manager.
set -euo pipefail
SOURCE=${SOURCE:?the checkout}
BIN=${BIN:?the bin folder of the build}
work=$(mktemp -d)
listener_pid=""
daemon_pid=""
cleanup() {
  [[ -n $daemon_pid ]] && kill -KILL "$daemon_pid" 2>/dev/null || true
  [[ -n $listener_pid ]] && kill "$listener_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local description=$1
  shift
  if "$@"; then
    echo "ok: $description"
  else
    echo "FAILED: $description"
    failures=$((failures + 1))
  fi
}

command -v systemd-analyze >/dev/null || {
  echo "FAILED: systemd-analyze is missing (scripts/setup.sh installs systemd)"
  exit 1
}

# 1. systemd-analyze verify: exit code 0 and no complaint at all (it only warns about unknown
#    settings or values).
for unit in "$SOURCE"/packaging/systemd/*.service; do
  name=$(basename "$unit")
  sed "s|/usr/local/bin/|$BIN/|g" "$unit" >"$work/$name"
  verify_unit() {
    local output
    output=$(cd "$work" && systemd-analyze verify --man=no "$name" 2>&1) || {
      echo "$output"
      return 1
    }
    [[ -z $output ]] || {
      echo "$output"
      return 1
    }
  }
  check "systemd-analyze verify $name" verify_unit
done

# 2. sd_notify from a real daemon (the TTP) to a datagram socket standing in for systemd.
cat >"$work/manager.py" <<'PY'
import socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as log:
    while True:
        data = s.recv(4096).decode()
        for line in data.splitlines():
            log.write(line + "\n")
PY
python3 "$work/manager.py" "$work/notify.sock" "$work/notify.log" &
listener_pid=$!
for _ in $(seq 50); do [[ -S $work/notify.sock ]] && break; sleep 0.1; done
# WATCHDOG_PID must name the daemon itself: exec keeps the shell's pid.
NOTIFY_SOCKET="$work/notify.sock" WATCHDOG_USEC=400000 bash -c \
  'export WATCHDOG_PID=$$; exec "$0" serve --certs-dir "$1" --listen 127.0.0.1:0 --port-file "$2"' \
  "$BIN/ttp" "$work/ttp" "$work/ttp.port" >"$work/ttp.log" 2>&1 &
daemon_pid=$!
wait_for() {  # wait_for PATTERN: up to 60 s
  for _ in $(seq 600); do
    grep -q -- "$1" "$work/notify.log" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
check "the TTP says READY=1 once it listens" wait_for '^READY=1'
check "its STATUS names the port it serves on" \
  bash -c "wait_for() { :; }; for _ in \$(seq 100); do [[ -s '$work/ttp.port' ]] && break; sleep 0.1; done; grep -q \"STATUS=serving on 127.0.0.1:\$(cat '$work/ttp.port')\" '$work/notify.log'"

check "the TTP sends WATCHDOG=1 keep-alives from its event loop" \
  bash -c "for _ in \$(seq 300); do [[ \$(grep -c '^WATCHDOG=1' '$work/notify.log' || true) -ge 3 ]] && exit 0; sleep 0.1; done; exit 1"
kill -TERM "$daemon_pid"
check "SIGTERM makes it say STOPPING=1" wait_for '^STOPPING=1'
stopped() {
  for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}
check "and it exits" stopped
daemon_pid=""
if ((failures > 0)); then
  echo "--- notifications:"
  cat "$work/notify.log" || true
  echo "--- TTP log:"
  tail -n 20 "$work/ttp.log" || true
fi
echo "$failures failed"
exit $((failures > 0))
