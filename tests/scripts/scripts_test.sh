#!/usr/bin/env bash
# Tests of scripts/{start,stop,status}-relay.sh and health-check.sh, run by ctest (LABELS script):
#   scripts_test.sh fake            against tests/scripts/fake-relay.sh (the scripts' own logic)
#   scripts_test.sh daemon BINARY   against the real chiral-relay (needs its --pid-file/--metrics-file)
# Each case runs in a fresh temp RELAY_DIR with RELAY_PORT=0. Prints "N passed, N failed".
set -uo pipefail

mode=${1:?usage: scripts_test.sh fake|daemon [BINARY]}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scripts=$(cd "$here/../../scripts" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/chiral-scripts-XXXXXX")
mkdir -p "$tmp/bin"

if [[ "$mode" == fake ]]; then
  cp "$here/fake-relay.sh" "$tmp/bin/chiral-relay"
  chmod +x "$tmp/bin/chiral-relay"
  export RELAY_BIN="$tmp/bin/chiral-relay"
else
  export RELAY_BIN=${2:?daemon mode needs the binary}
  help=$("$RELAY_BIN" --help 2>&1 || true)
  if [[ "$help" != *--pid-file* || "$help" != *--metrics-file* ]]; then
    echo "FAIL: $RELAY_BIN --help lists no --pid-file/--metrics-file"
    rm -rf "$tmp"
    exit 1
  fi
fi

passed=0 failed=0 n=0
out="" rc=0

cleanup() {
  for d in "$tmp"/case*/relay; do
    [[ -f "$d/relay.pid" ]] && kill -KILL "$(cat "$d/relay.pid")" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# Fresh environment for one case (the guide's variables, all under a temp RELAY_DIR).
new_case() {
  n=$((n + 1))
  local dir="$tmp/case$n"
  mkdir -p "$dir"
  export RELAY_DIR="$dir/relay" RELAY_PORT=0 TIMEOUT=20 EXTERNAL_ADDRESS=""
  unset IDENTITY_FILE PID_FILE LOG_FILE METRICS_FILE VERBOSE MAX_RESERVATIONS MAX_CIRCUITS PROMETHEUS_LISTEN
  echo "# case $n (at ${SECONDS}s): $*"
}

# run SCRIPT [ARGS...]: captures output and exit code in $out / $rc.
run() {
  local script=$1
  shift
  out=$("$scripts/$script" "$@" 2>&1)
  rc=$?
}

check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok - $what"
  else
    failed=$((failed + 1))
    echo "not ok - $what"
    # shellcheck disable=SC2001
    echo "$out" | sed 's/^/#   /'
  fi
}

jqe() { jq -e "$@" >/dev/null; }
rc_is() { [[ "$rc" == "$1" ]]; }
out_has() { [[ "$out" == *"$1"* ]]; }
out_matches() { [[ "$out" =~ $1 ]]; }
pid_of() { cat "$RELAY_DIR/relay.pid" 2>/dev/null; }
alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null && [[ "$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
gone() { ! alive "$1"; }
no_file() { [[ ! -e "$1" ]]; }
log_has() { grep -q -- "$1" "$RELAY_DIR/relay.log"; }

# --- start -> status -> health -> stop -------------------------------------------------------------
new_case "start, status, health, stop"
run start-relay.sh
check "start exits 0" rc_is 0
check "start prints a /p2p/ multiaddr" out_matches '/ip4/[0-9.]+/tcp/[0-9]+/p2p/[1-9A-Za-z]+'
check "start prints the pid" out_matches 'started \(pid [0-9]+\)'
pid=$(pid_of)
check "pid file names a live process" alive "$pid"
check "metrics file exists" test -s "$RELAY_DIR/metrics.json"
[[ "$mode" == daemon ]] && check "identity created in RELAY_DIR" test -s "$RELAY_DIR/identity.key"
check "log file in RELAY_DIR" test -s "$RELAY_DIR/relay.log"
check "guide defaults passed" log_has "--max-reservations 128 --max-circuits 16"
run status-relay.sh
check "status exits 0 while running" rc_is 0
check "status says running with the pid" out_has "running (pid $pid)"
check "status shows the multiaddr" out_matches 'multiaddrs: +/ip4/[0-9.]+/tcp/[0-9]+/p2p/'
check "status shows peers/reservations/circuits" out_matches 'peers: +0.*reservations: +0.*circuits: +0'
check "status shows uptime" out_matches 'uptime: +[0-9]+s'
run health-check.sh
check "health check OK" rc_is 0
check "health check line" out_has "OK: 0 peers, 0 reservations, 0 circuits"
run start-relay.sh
check "second start refuses" rc_is 1
check "second start names the running pid" out_has "already running (pid $pid"
check "first relay still running" alive "$pid"
run stop-relay.sh --timeout 15
check "stop exits 0" rc_is 0
check "stop was graceful" out_has "stopped gracefully"
check "process gone" gone "$pid"
check "pid file removed" no_file "$RELAY_DIR/relay.pid"
run status-relay.sh
check "status exits 3 when stopped" rc_is 3
check "status says not running" out_has "not running"
run stop-relay.sh
check "stop when not running exits 0" rc_is 0
check "stop when not running says so" out_has "not running"

# --- health check states ---------------------------------------------------------------------------
new_case "health check states"
mkdir -p "$RELAY_DIR"
run health-check.sh
check "no metrics file is CRITICAL (2)" rc_is 2
check "CRITICAL message" out_has "CRITICAL: Metrics file not found"
echo '{"peer_id":"x","connected_peers":3,"relay_reservations":2,"relay_circuits":1}' >"$RELAY_DIR/metrics.json"
run health-check.sh
check "fresh metrics OK" rc_is 0
check "OK line carries the values" out_has "OK: 3 peers, 2 reservations, 1 circuits"
touch -d '2 minutes ago' "$RELAY_DIR/metrics.json"
run health-check.sh
check "stale metrics WARNING (1)" rc_is 1
check "WARNING message" out_matches 'WARNING: Metrics are stale \(1[0-9]{2}s old\)'
MAX_METRICS_AGE=600 run health-check.sh
check "MAX_METRICS_AGE raises the threshold" rc_is 0
echo '{"peer_id": "x", "connected' >"$RELAY_DIR/metrics.json"
run health-check.sh
check "torn metrics CRITICAL" rc_is 2
echo '{"connected_peers":0,"relay_reservations":0,"relay_circuits":0}' >"$RELAY_DIR/metrics.json"
bash -c 'exit 0' &
dead=$!
wait "$dead"
echo "$dead" >"$RELAY_DIR/relay.pid"
run health-check.sh
check "pid file of a dead process is CRITICAL" rc_is 2
check "stale pid message" out_has "relay not running"
rm -f "$RELAY_DIR/relay.pid"
run health-check.sh
check "health check back to OK" rc_is 0
# Without jq the scripts fall back to python3.
mkdir -p "$tmp/nojq"
ln -sf /usr/bin/* "$tmp/nojq/" 2>/dev/null
rm -f "$tmp/nojq/jq"
ln -sf /usr/bin/python3 "$tmp/nojq/python3"
echo '{"connected_peers":5,"relay_reservations":4,"relay_circuits":3}' >"$RELAY_DIR/metrics.json"
PATH="$tmp/nojq" run health-check.sh
check "health check without jq (python3)" out_has "OK: 5 peers, 4 reservations, 3 circuits"

# --- stale pid file ----------------------------------------------------------------------------------
new_case "stale pid file"
mkdir -p "$RELAY_DIR"
bash -c 'exit 0' &
dead=$!
wait "$dead"
echo "$dead" >"$RELAY_DIR/relay.pid"
run start-relay.sh
check "start over a stale pid file exits 0" rc_is 0
check "stale pid file reported" out_has "Removing stale pid file"
pid=$(pid_of)
check "new pid written" test "$pid" != "$dead"
check "relay running" alive "$pid"
run stop-relay.sh
check "stop exits 0" rc_is 0
check "process gone" gone "$pid"

# --- a pid reused by an unrelated process is not ours ------------------------------------------------
new_case "pid file naming an unrelated live process"
mkdir -p "$RELAY_DIR"
sleep 60 &
other=$!
echo "$other" >"$RELAY_DIR/relay.pid"
run status-relay.sh
check "status: stale (exit 1)" rc_is 1
run stop-relay.sh
check "stop does not signal an unrelated process" alive "$other"
check "stale pid file removed by stop" no_file "$RELAY_DIR/relay.pid"
kill "$other" 2>/dev/null
wait "$other" 2>/dev/null

# --- stop --force -------------------------------------------------------------------------------------
new_case "stop --force"
run start-relay.sh
check "start exits 0" rc_is 0
pid=$(pid_of)
run stop-relay.sh --force
check "stop --force exits 0" rc_is 0
check "killed message" out_has "killed"
check "process gone" gone "$pid"
check "pid file removed after SIGKILL" no_file "$RELAY_DIR/relay.pid"

# --- start failure shows the log ------------------------------------------------------------------------
new_case "start failure"
if [[ "$mode" == fake ]]; then
  FAKE_FAIL=1 run start-relay.sh
else
  EXTERNAL_ADDRESS=/ip4/not-an-ip/tcp/1 run start-relay.sh
fi
check "failed start exits 1" rc_is 1
check "failed start says the relay exited" out_has "exited during start-up"
check "failed start shows the log tail" out_has "last lines of"
check "no pid file after a failed start" no_file "$RELAY_DIR/relay.pid"

# --- input validation -------------------------------------------------------------------------------------
new_case "bad variables"
RELAY_PORT=abc run start-relay.sh
check "non-numeric RELAY_PORT exits 2" rc_is 2
check "message names RELAY_PORT" out_has "RELAY_PORT"
RELAY_PORT=70000 run start-relay.sh
check "RELAY_PORT out of range exits 2" rc_is 2
run stop-relay.sh --timeout soon
check "bad --timeout exits 2" rc_is 2
run stop-relay.sh --bogus
check "unknown stop flag exits 2" rc_is 2

if [[ "$mode" == fake ]]; then
  # --- graceful timeout then SIGKILL (needs a relay that ignores SIGTERM) ----------------------------
  new_case "stop --timeout then SIGKILL"
  FAKE_IGNORE_TERM=1 run start-relay.sh
  check "start exits 0" rc_is 0
  pid=$(pid_of)
  t0=$SECONDS
  run stop-relay.sh --timeout 1
  check "stop exits 0" rc_is 0
  check "SIGKILL after the timeout" out_has "did not exit within 1s; sending SIGKILL"
  check "took about the timeout" test $((SECONDS - t0)) -le 5
  check "process gone" gone "$pid"
  check "pid file removed" no_file "$RELAY_DIR/relay.pid"

  # --- environment -> flags ---------------------------------------------------------------------------
  new_case "environment variables become flags"
  RELAY_PORT=4999 MAX_RESERVATIONS=256 MAX_CIRCUITS=32 VERBOSE=true EXTERNAL_ADDRESS="/ip4/1.2.3.4/tcp/4999,/dns4/relay.example/tcp/4999" \
    IDENTITY_FILE="$tmp/case$n/id.key" PID_FILE="$tmp/case$n/run/r.pid" METRICS_FILE="$tmp/case$n/m/metrics.json" \
    LOG_FILE="$tmp/case$n/log/r.log" run start-relay.sh
  check "start exits 0" rc_is 0
  check "custom pid file" test -s "$tmp/case$n/run/r.pid"
  check "custom metrics file" test -s "$tmp/case$n/m/metrics.json"
  out=$(cat "$tmp/case$n/log/r.log")
  check "flags from the environment" out_has "--port 4999 --identity-path $tmp/case$n/id.key --pid-file $tmp/case$n/run/r.pid --metrics-file $tmp/case$n/m/metrics.json --max-reservations 256 --max-circuits 32 --external-address /ip4/1.2.3.4/tcp/4999 --external-address /dns4/relay.example/tcp/4999 --verbose"
  PID_FILE="$tmp/case$n/run/r.pid" METRICS_FILE="$tmp/case$n/m/metrics.json" run status-relay.sh
  check "status with custom files" rc_is 0
  PID_FILE="$tmp/case$n/run/r.pid" run stop-relay.sh
  check "stop with custom pid file" rc_is 0

  # --- EXTERNAL_ADDRESS auto-detection ------------------------------------------------------------------
  new_case "external address detection"
  unset EXTERNAL_ADDRESS
  mkdir -p "$tmp/curl-ok" "$tmp/curl-fail"
  printf '#!/bin/sh\necho 203.0.113.7\n' >"$tmp/curl-ok/curl"
  printf '#!/bin/sh\necho "curl: (6) Could not resolve host" >&2\nexit 6\n' >"$tmp/curl-fail/curl"
  chmod +x "$tmp/curl-ok/curl" "$tmp/curl-fail/curl"
  RELAY_PORT=4998 PATH="$tmp/curl-ok:$PATH" run start-relay.sh
  check "detected address announced" out_has "Detected external address /ip4/203.0.113.7/tcp/4998"
  check "detected address passed" log_has "--external-address /ip4/203.0.113.7/tcp/4998"
  run stop-relay.sh
  RELAY_PORT=4998 PATH="$tmp/curl-fail:$PATH" run start-relay.sh
  check "offline detection degrades gracefully" rc_is 0
  check "offline detection says so" out_has "Could not detect the public IP"
  run stop-relay.sh
  export EXTERNAL_ADDRESS=""
else
  # --- the real daemon's metrics file -------------------------------------------------------------------
  new_case "daemon metrics file"
  run start-relay.sh
  check "start exits 0" rc_is 0
  m="$RELAY_DIR/metrics.json"
  for field in peer_id listen_addresses connected_peers uptime_seconds relay_reservations relay_circuits \
               version started_at updated_at; do
    check "metrics field $field" jqe "has(\"$field\")" "$m"
  done
  check "listen addresses carry /p2p/" jqe '.listen_addresses | length > 0 and all(test("/p2p/"))' "$m"
  check "no 0.0.0.0 in listen addresses" jqe '.listen_addresses | all(test("/0\\.0\\.0\\.0/") | not)' "$m"
  check "counts are numbers" jqe '[.connected_peers, .uptime_seconds, .relay_reservations, .relay_circuits] | all(type == "number")' "$m"
  before=$(stat -c %Y "$m")
  sleep 6.5
  check "metrics refreshed within 6.5 s without events" test "$(stat -c %Y "$m")" -gt "$before"
  run stop-relay.sh
  check "stop exits 0" rc_is 0
  check "final metrics still valid JSON" jqe . "$m"
fi

echo "$passed passed, $failed failed"
((failed == 0))
