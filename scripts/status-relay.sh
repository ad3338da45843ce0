#!/usr/bin/env bash
# Shows whether chiral-relay runs, and its pid, uptime, peer id, multiaddrs, peers, reservations and
# circuits from $METRICS_FILE (relay-deployment-guide.md "Check Status"). Exit: 0 running, 1 dead with a
# stale pid file, 3 not running (the LSB status codes).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=relay-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/relay-common.sh"

case "${1:-}" in
  -h | --help) echo "usage: $(basename "$0")   (reads PID_FILE=$PID_FILE and METRICS_FILE=$METRICS_FILE)"; exit 0 ;;
  "") ;;
  *) relay_err "unknown argument '$1'"; exit 2 ;;
esac

if ! pid=$(relay_running_pid); then
  if [[ -e "$PID_FILE" ]]; then
    echo "chiral-relay: not running (stale pid file $PID_FILE names pid $(relay_read_pid "$PID_FILE"))"
    exit 1
  fi
  echo "chiral-relay: not running"
  exit 3
fi

echo "chiral-relay: running (pid $pid)"
uptime_s=$(ps -o etimes= -p "$pid" 2>/dev/null | tr -d ' ' || true)
if [[ -f "$METRICS_FILE" ]] && relay_metrics_valid "$METRICS_FILE"; then
  m() { relay_metric "$METRICS_FILE" "$1" || true; }
  relay_is_uint "${uptime_s:-}" || uptime_s=$(m uptime_seconds)
  version=$(m version)
  peer_id=$(m peer_id)
  mapfile -t addrs < <(m listen_addresses)
  age=$(relay_file_age "$METRICS_FILE" || echo "?")
  [[ -n "$version" ]] && printf '  %-14s %s\n' "version:" "$version"
  relay_is_uint "${uptime_s:-}" && printf '  %-14s %s\n' "uptime:" "$(relay_format_duration "$uptime_s")"
  printf '  %-14s %s\n' "peer id:" "${peer_id:-unknown}"
  label="multiaddrs:"
  for a in "${addrs[@]+"${addrs[@]}"}"; do
    [[ "$a" == */p2p/* || -z "$peer_id" ]] || a="$a/p2p/$peer_id"
    printf '  %-14s %s\n' "$label" "$a"
    label=""
  done
  printf '  %-14s %s\n' "peers:" "$(m connected_peers)"
  printf '  %-14s %s\n' "reservations:" "$(m relay_reservations)"
  printf '  %-14s %s\n' "circuits:" "$(m relay_circuits)"
  stale=""
  [[ "$age" =~ ^[0-9]+$ ]] && ((age > 60)) && stale=" (STALE)"
  printf '  %-14s %s\n' "metrics:" "$METRICS_FILE (updated ${age}s ago)$stale"
else
  relay_is_uint "${uptime_s:-}" && printf '  %-14s %s\n' "uptime:" "$(relay_format_duration "$uptime_s")"
  printf '  %-14s %s\n' "metrics:" "$METRICS_FILE missing or unreadable"
fi
printf '  %-14s %s\n' "log:" "$LOG_FILE"
exit 0
