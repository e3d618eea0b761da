# The customer's OTP flow for scripts (e2e.sh, demo.sh, the integration tests): the code goes to
# the customer's device (`client daemon --json`), the transfer and the confirmation are one-shot
# commands. Needs a function `customer NAME ARGS...` that runs the client for NAME (the caller
# knows the bank, the TTP and the tokens), WORK (a scratch folder), and PIDS and wait_for_line
# from scripts/lib.sh.
# shellcheck shell=bash

TRANSFER=(--account DE44500105175407324931 --amount 250.00 --currency EUR --payee "ACME Ltd")
declare -A DEVICE_PIDS

# json_field KEY JSON: the value of "KEY" in a one-line JSON object (strings and numbers).
json_field() { sed -n "s/.*\"$1\": *\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" <<<"$2"; }

# ensure_token NAME: mints NAME's enrollment token in this shell (customer runs in subshells and
# background jobs, whose assignments are lost); needs the caller's `token` and TOKENS.
ensure_token() { [[ -n ${TOKENS[$1]:-} ]] || TOKENS[$1]=$(token --role customer --cn "$1"); }

# start_device NAME [client options...]: starts `client daemon --json` for NAME in this shell
# (its pid joins PIDS, so stop_daemons stops it), events to WORK/device-NAME.jsonl, and waits
# until it has subscribed. DEVICE_PIDS[NAME] holds its pid.
start_device() {
  local name=$1 events=$WORK/device-$1.jsonl
  shift
  ensure_token "$name"
  customer "$name" daemon --json --keepalive "${DEVICE_KEEPALIVE:-30}" "$@" >>"$events" &
  DEVICE_PIDS[$name]=$!
  PIDS+=("${DEVICE_PIDS[$name]}")
  wait_for_event "$name" '"event": *"subscribed"' 120
}

# stop_device NAME: stops NAME's device started by start_device and waits (up to 10 s) until it
# has gone. The pid is customer's subshell; the client runs under `timeout` below it, so the
# subshell's children get SIGTERM first (timeout passes it on to the client): signalling the
# subshell alone would leave the device running on its own.
stop_device() {
  local pid=${DEVICE_PIDS[$1]:-}
  [[ -n $pid ]] || return 0
  pkill -TERM -P "$pid" 2>/dev/null
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  wait "$pid" 2>/dev/null
  DEVICE_PIDS[$1]=""
  return 0
}

# wait_for_event NAME PATTERN [SECONDS]: polls NAME's device events for PATTERN.
wait_for_event() { wait_for_line "$WORK/device-$1.jsonl" "$2" "${3:-30}"; }

# device_code NAME TXN: the code NAME's device showed for transaction TXN (waits up to 30 s).
device_code() {
  local name=$1 txn=$2
  wait_for_event "$name" "\"transaction\": *\"$txn\".*\"code\"" 30 || return 1
  json_field code "$(grep "\"transaction\": *\"$txn\"" "$WORK/device-$name.jsonl" | grep '"otp"' |
    tail -n 1)"
}

# start_transfer NAME [client options...]: `client transfer --json`; prints the transaction id.
start_transfer() {
  local name=$1 out
  shift
  out=$(customer "$name" transfer "${TRANSFER[@]}" --json "$@") || return 1
  json_field transaction "$out"
}

# confirm NAME TXN CODE [client options...]: `client confirm`; its exit code (0 accepted).
confirm() {
  local name=$1 txn=$2 code=$3
  shift 3
  customer "$name" confirm --txn "$txn" --code "$code" --json "$@" >"$WORK/confirm-$name.json"
}

# honest_flow_works [NAME]: NAME's device (started once) gets the code of a new transfer, and
# confirming it is accepted.
honest_flow_works() {
  local name=${1:-alice} txn code
  ensure_token "$name"
  if [[ -z ${DEVICE_PIDS[$name]:-} ]] || ! kill -0 "${DEVICE_PIDS[$name]}" 2>/dev/null; then
    start_device "$name" || { echo "  $name's device did not subscribe"; return 1; }
  fi
  txn=$(start_transfer "$name") && [[ -n $txn ]] || { echo "  the transfer failed"; return 1; }
  code=$(device_code "$name" "$txn") || { echo "  no OTP reached $name's device"; return 1; }
  confirm "$name" "$txn" "$code" || {
    echo "  confirming $txn: $(cat "$WORK/confirm-$name.json")"
    return 1
  }
}
