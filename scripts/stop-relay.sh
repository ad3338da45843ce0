#!/usr/bin/env bash
# Stops the chiral-relay named by $PID_FILE (relay-deployment-guide.md "Stop the Relay"): SIGTERM and a
# graceful drain; SIGKILL after --timeout N seconds (default $TIMEOUT, 30); --force kills at once.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=relay-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/relay-common.sh"

usage() {
  cat <<USAGE
usage: $(basename "$0") [--timeout N] [--force]
  (none)       SIGTERM, wait up to \$TIMEOUT ($TIMEOUT) s for a graceful exit, then SIGKILL
  --timeout N  wait N seconds before SIGKILL
  --force      SIGKILL immediately
Exit: 0 stopped or not running, 1 could not stop it, 2 bad usage.
USAGE
}

timeout=$TIMEOUT
force=false
while (($#)); do
  case "$1" in
    --timeout) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; timeout=$2; shift ;;
    --timeout=*) timeout=${1#*=} ;;
    --force | -f) force=true ;;
    -h | --help) usage; exit 0 ;;
    *) relay_err "unknown argument '$1'"; usage >&2; exit 2 ;;
  esac
  shift
done
relay_is_uint "$timeout" || { relay_err "--timeout must be a non-negative integer, got '$timeout'"; exit 2; }

if ! pid=$(relay_running_pid); then
  if [[ -e "$PID_FILE" ]]; then
    echo "chiral-relay is not running; removing stale pid file $PID_FILE"
    rm -f "$PID_FILE"
  else
    echo "chiral-relay is not running (no pid file $PID_FILE)"
  fi
  exit 0
fi

# Waits up to $1 seconds (tenths polled) for the relay to exit.
wait_gone() {
  local ticks=$(($1 * 10))
  while relay_pid_alive "$pid"; do
    ((ticks-- > 0)) || return 1
    sleep 0.1
  done
}

kill_now() {
  kill -KILL "$pid" 2>/dev/null || true
  if ! wait_gone 10; then
    relay_err "pid $pid survived SIGKILL"
    exit 1
  fi
  # A killed relay cannot remove its own pid file.
  [[ "$(relay_read_pid "$PID_FILE")" == "$pid" ]] && rm -f "$PID_FILE"
  return 0
}

if $force; then
  echo "Killing chiral-relay (pid $pid) with SIGKILL"
  kill_now
  echo "chiral-relay stopped (killed)"
  exit 0
fi

echo "Stopping chiral-relay (pid $pid): SIGTERM, up to ${timeout}s for a graceful shutdown"
if ! kill -TERM "$pid" 2>/dev/null; then
  relay_err "cannot signal pid $pid (permission denied?)"
  exit 1
fi
start=$SECONDS
if wait_gone "$timeout"; then
  # The relay removes its pid file on a clean exit; a crash during shutdown may leave it.
  [[ "$(relay_read_pid "$PID_FILE")" == "$pid" ]] && rm -f "$PID_FILE"
  echo "chiral-relay stopped gracefully in $((SECONDS - start))s"
  exit 0
fi
echo "chiral-relay did not exit within ${timeout}s; sending SIGKILL"
kill_now
echo "chiral-relay stopped (killed after ${timeout}s)"
