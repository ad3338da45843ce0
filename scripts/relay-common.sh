# shellcheck shell=bash
# Shared by the relay scripts: the deployment guide's environment variables with their defaults, and
# helpers (binary lookup, pid liveness, metrics fields). Sourced, not run.

RELAY_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RELAY_REPO_DIR=$(cd "$RELAY_SCRIPTS_DIR/.." && pwd)

: "${RELAY_PORT:=4001}"
: "${RELAY_DIR:=${HOME:-$(cd ~ && pwd)}/.chiral-relay}"
: "${MAX_RESERVATIONS:=128}"
: "${MAX_CIRCUITS:=16}"
: "${IDENTITY_FILE:=$RELAY_DIR/identity.key}"
: "${PID_FILE:=$RELAY_DIR/relay.pid}"
: "${LOG_FILE:=$RELAY_DIR/relay.log}"
: "${METRICS_FILE:=$RELAY_DIR/metrics.json}"
: "${VERBOSE:=false}"
: "${TIMEOUT:=30}"
# EXTERNAL_ADDRESS: unset = auto-detect (start-relay.sh), empty = none; not defaulted here on purpose.

relay_err() { echo "$(basename "$0"): $*" >&2; }

relay_truthy() {
  case "${1,,}" in 1 | true | yes | on) return 0 ;; *) return 1 ;; esac
}

relay_is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

# The daemon binary: $RELAY_BIN, the repository's build/chiral-relay, or chiral-relay on PATH.
relay_find_binary() {
  if [[ -n "${RELAY_BIN:-}" ]]; then
    [[ -x "$RELAY_BIN" ]] || { relay_err "RELAY_BIN=$RELAY_BIN is not an executable file"; return 1; }
    echo "$RELAY_BIN"
  elif [[ -x "$RELAY_REPO_DIR/build/chiral-relay" ]]; then
    echo "$RELAY_REPO_DIR/build/chiral-relay"
  elif command -v chiral-relay >/dev/null 2>&1; then
    command -v chiral-relay
  else
    return 1
  fi
}

# The pid recorded in $1, or nothing.
relay_read_pid() {
  local pid=""
  if [[ -r "$1" ]]; then read -r pid <"$1" 2>/dev/null || true; fi
  relay_is_uint "$pid" && ((pid > 0)) && echo "$pid"
  return 0
}

# True when pid $1 is a live (not zombie) process.
relay_pid_alive() {
  local pid=$1 state
  kill -0 "$pid" 2>/dev/null || ps -p "$pid" >/dev/null 2>&1 || return 1
  if [[ -r /proc/$pid/stat ]]; then
    state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null || true)
    [[ "$state" != Z ]] || return 1
  fi
  return 0
}

# True when pid $1 is alive and looks like the relay (so a reused pid is never signalled).
relay_pid_is_relay() {
  local pid=$1 cmd name
  relay_pid_alive "$pid" || return 1
  [[ -r /proc/$pid/cmdline ]] || return 0  # no procfs: trust the pid file
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  [[ -n "$cmd" ]] || return 0
  name=$(basename "${RELAY_BIN:-chiral-relay}")
  [[ "$cmd" == *chiral-relay* || "$cmd" == *"$name"* ]]
}

# Prints the running relay's pid (from $PID_FILE) and succeeds, or fails.
relay_running_pid() {
  local pid
  pid=$(relay_read_pid "$PID_FILE")
  [[ -n "$pid" ]] && relay_pid_is_relay "$pid" && echo "$pid"
}

# relay_metric FILE FIELD: a top-level field of the metrics JSON (arrays one element per line; objects
# as "key=value" lines). jq when present, else python3. Prints nothing for a missing field.
relay_metric() {
  local file=$1 field=$2
  if command -v jq >/dev/null 2>&1; then
    jq -r --arg f "$field" '.[$f] | if . == null then empty
      elif type == "array" then .[] | tostring
      elif type == "object" then to_entries[] | "\(.key)=\(.value)"
      else tostring end' "$file" 2>/dev/null
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$file" "$field" <<'PY' 2>/dev/null
import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2])
if isinstance(v, list):
    print("\n".join(str(x) for x in v)) if v else None
elif isinstance(v, dict):
    print("\n".join(f"{k}={x}" for k, x in v.items())) if v else None
elif isinstance(v, bool):
    print("true" if v else "false")
elif v is not None:
    print(v)
PY
  else
    relay_err "need jq or python3 to read $file"
    return 1
  fi
}

# True when $1 is valid JSON.
relay_metrics_valid() {
  if command -v jq >/dev/null 2>&1; then
    jq -e 'type == "object"' "$1" >/dev/null 2>&1
  else
    python3 -c 'import json,sys; sys.exit(0 if isinstance(json.load(open(sys.argv[1])), dict) else 1)' "$1" 2>/dev/null
  fi
}

# Modification time of $1 in epoch seconds (GNU stat first: BSD's `stat -f %m` means something else on Linux).
relay_file_mtime() {
  stat -c %Y "$1" 2>/dev/null || stat -f %m "$1" 2>/dev/null
}

# Seconds since $1 was modified.
relay_file_age() {
  local mtime
  mtime=$(relay_file_mtime "$1") || return 1
  echo $(($(date +%s) - mtime))
}

relay_format_duration() {
  local s=$1
  if ((s >= 86400)); then
    printf '%dd %02dh %02dm %02ds' $((s / 86400)) $((s % 86400 / 3600)) $((s % 3600 / 60)) $((s % 60))
  elif ((s >= 3600)); then
    printf '%dh %02dm %02ds' $((s / 3600)) $((s % 3600 / 60)) $((s % 60))
  elif ((s >= 60)); then
    printf '%dm %02ds' $((s / 60)) $((s % 60))
  else
    printf '%ds' "$s"
  fi
}
