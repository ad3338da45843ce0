#!/usr/bin/env bash
# The deployment guide's health check (Nagios-style): OK / WARNING / CRITICAL with exit codes 0 / 1 / 2.
# CRITICAL: no metrics file, unreadable metrics, or a pid file whose process is gone; WARNING: metrics older
# than MAX_METRICS_AGE (60) seconds. Usable as a Docker HEALTHCHECK (METRICS_FILE=/data/metrics.json).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=relay-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/relay-common.sh"
: "${MAX_METRICS_AGE:=60}"

if [[ ! -f "$METRICS_FILE" ]]; then
  echo "CRITICAL: Metrics file not found ($METRICS_FILE)"
  exit 2
fi

# With a pid file present, the process must be alive: a dead relay's last metrics look fresh for a minute.
if [[ -e "$PID_FILE" ]]; then
  pid=$(relay_read_pid "$PID_FILE")
  if [[ -z "$pid" ]] || ! relay_pid_alive "$pid"; then
    echo "CRITICAL: relay not running (stale pid file $PID_FILE)"
    exit 2
  fi
fi

if ! age=$(relay_file_age "$METRICS_FILE"); then
  echo "CRITICAL: cannot stat $METRICS_FILE"
  exit 2
fi
if ((age > MAX_METRICS_AGE)); then
  echo "WARNING: Metrics are stale (${age}s old)"
  exit 1
fi

if ! relay_metrics_valid "$METRICS_FILE"; then
  echo "CRITICAL: Metrics file $METRICS_FILE is not valid JSON"
  exit 2
fi
reservations=$(relay_metric "$METRICS_FILE" relay_reservations)
circuits=$(relay_metric "$METRICS_FILE" relay_circuits)
peers=$(relay_metric "$METRICS_FILE" connected_peers)

echo "OK: ${peers:-0} peers, ${reservations:-0} reservations, ${circuits:-0} circuits"
exit 0
