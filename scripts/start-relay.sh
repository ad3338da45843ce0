#!/usr/bin/env bash
# Starts chiral-relay in the background as relay-deployment-guide.md describes: every variable of its
# table (RELAY_PORT, RELAY_DIR, EXTERNAL_ADDRESS, MAX_RESERVATIONS, MAX_CIRCUITS, IDENTITY_FILE, PID_FILE,
# LOG_FILE, METRICS_FILE, VERBOSE, TIMEOUT) plus RELAY_BIN, PROMETHEUS_LISTEN and RELAY_ARGS.
# Arguments after the options are passed to the daemon unchanged.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=relay-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/relay-common.sh"

usage() {
  cat <<USAGE
usage: $(basename "$0") [-h] [-- DAEMON_ARGS...]
Starts chiral-relay in the background; output is appended to \$LOG_FILE ($LOG_FILE).
Waits up to \$TIMEOUT ($TIMEOUT) s for the pid and metrics files, then prints the relay's multiaddrs.
Environment: RELAY_PORT RELAY_DIR EXTERNAL_ADDRESS MAX_RESERVATIONS MAX_CIRCUITS IDENTITY_FILE PID_FILE
  LOG_FILE METRICS_FILE VERBOSE TIMEOUT; RELAY_BIN (binary), PROMETHEUS_LISTEN (ADDR:PORT),
  RELAY_ARGS (extra daemon flags). EXTERNAL_ADDRESS unset = detect the public IP with curl; empty = none.
USAGE
}

extra=()
while (($#)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --) shift; extra+=("$@"); break ;;
    *) extra+=("$1") ;;
  esac
  shift
done

for var in RELAY_PORT MAX_RESERVATIONS MAX_CIRCUITS TIMEOUT; do
  relay_is_uint "${!var}" || { relay_err "$var must be a non-negative integer, got '${!var}'"; exit 2; }
done
((RELAY_PORT <= 65535)) || { relay_err "RELAY_PORT must be 0-65535, got $RELAY_PORT"; exit 2; }

# Already running? A pid file of a dead process (or of an unrelated one that reused the pid) is stale.
if pid=$(relay_running_pid); then
  relay_err "chiral-relay is already running (pid $pid, pid file $PID_FILE)"
  exit 1
fi
if [[ -e "$PID_FILE" ]]; then
  echo "Removing stale pid file $PID_FILE (pid $(relay_read_pid "$PID_FILE") is not running)"
  rm -f "$PID_FILE"
fi

if ! bin=$(relay_find_binary); then
  if [[ -f "$RELAY_REPO_DIR/CMakeLists.txt" && -f "$RELAY_REPO_DIR/Makefile" ]] && command -v make >/dev/null; then
    echo "No chiral-relay binary found; building it (make -C $RELAY_REPO_DIR build)..."
    make -C "$RELAY_REPO_DIR" build >&2
    bin="$RELAY_REPO_DIR/build/chiral-relay"
  else
    relay_err "chiral-relay binary not found: set RELAY_BIN, build the repository (make build), or install it on PATH"
    exit 1
  fi
fi

if [[ ! -d "$RELAY_DIR" ]]; then
  mkdir -p "$RELAY_DIR"
  chmod 700 "$RELAY_DIR"
fi
for f in "$IDENTITY_FILE" "$PID_FILE" "$LOG_FILE" "$METRICS_FILE"; do mkdir -p "$(dirname "$f")"; done

# External address: explicit, detected, or none (peers still learn observed addresses via identify).
externals=()
if [[ -n "${EXTERNAL_ADDRESS+set}" ]]; then
  read -r -a externals <<<"${EXTERNAL_ADDRESS//,/ }"
elif ((RELAY_PORT == 0)); then
  echo "EXTERNAL_ADDRESS not set and RELAY_PORT=0: not detecting a public address"
elif command -v curl >/dev/null 2>&1; then
  ip=$(curl -fsS --max-time 3 https://ifconfig.me 2>/dev/null || true)
  if [[ "$ip" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then
    externals=("/ip4/$ip/tcp/$RELAY_PORT")
  elif [[ "$ip" =~ ^[0-9a-fA-F:]+$ && "$ip" == *:* ]]; then
    externals=("/ip6/$ip/tcp/$RELAY_PORT")
  fi
  if ((${#externals[@]})); then
    echo "Detected external address ${externals[0]} (set EXTERNAL_ADDRESS to override, or to empty for none)"
  else
    echo "Could not detect the public IP (offline?); starting without --external-address"
  fi
else
  echo "curl not found: starting without --external-address (set EXTERNAL_ADDRESS)"
fi

args=(--port "$RELAY_PORT"
      --identity-path "$IDENTITY_FILE"
      --pid-file "$PID_FILE"
      --metrics-file "$METRICS_FILE"
      --max-reservations "$MAX_RESERVATIONS"
      --max-circuits "$MAX_CIRCUITS")
for a in "${externals[@]+"${externals[@]}"}"; do args+=(--external-address "$a"); done
relay_truthy "$VERBOSE" && args+=(--verbose)
[[ -n "${PROMETHEUS_LISTEN:-}" ]] && args+=(--prometheus-listen "$PROMETHEUS_LISTEN")
if [[ -n "${RELAY_ARGS:-}" ]]; then
  read -r -a more <<<"$RELAY_ARGS"
  args+=("${more[@]}")
fi
args+=("${extra[@]+"${extra[@]}"}")

log_offset=0
[[ -f "$LOG_FILE" ]] && log_offset=$(wc -c <"$LOG_FILE")
echo "--- $(date '+%Y-%m-%dT%H:%M:%S%z') start-relay.sh: $bin ${args[*]}" >>"$LOG_FILE"
log_tail() {
  echo "--- last lines of $LOG_FILE:" >&2
  tail -c +$((log_offset + 1)) "$LOG_FILE" | tail -n 20 >&2
}

# A new session: the relay survives the terminal, and Ctrl-C in it does not reach the relay.
launcher=()
command -v setsid >/dev/null 2>&1 && launcher=(setsid)
started_at=$(date +%s)
nohup "${launcher[@]+"${launcher[@]}"}" "$bin" "${args[@]}" >>"$LOG_FILE" 2>&1 </dev/null &
child=$!

# Ready when the daemon wrote its pid file (after binding) and its first metrics file.
deadline=$((SECONDS + (TIMEOUT > 0 ? TIMEOUT : 30)))
pid=""
while :; do
  pid=$(relay_read_pid "$PID_FILE")
  # (a metrics file older than this start is the previous run's)
  if [[ -n "$pid" ]] && relay_pid_alive "$pid" && [[ -s "$METRICS_FILE" ]] &&
     (($(relay_file_mtime "$METRICS_FILE" || echo 0) >= started_at)); then
    break
  fi
  if ! relay_pid_alive "$child"; then
    rc=0
    wait "$child" || rc=$?
    relay_err "chiral-relay exited during start-up (exit code $rc)"
    log_tail
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    relay_err "chiral-relay did not write $PID_FILE and $METRICS_FILE within ${TIMEOUT}s; stopping it"
    kill -TERM "$child" 2>/dev/null || true
    log_tail
    exit 1
  fi
  sleep 0.1
done

peer_id=$(relay_metric "$METRICS_FILE" peer_id || true)
mapfile -t addrs < <(relay_metric "$METRICS_FILE" listen_addresses || true)
echo "chiral-relay started (pid $pid)"
echo "  peer id:  ${peer_id:-unknown}"
for a in "${addrs[@]+"${addrs[@]}"}"; do
  [[ "$a" == */p2p/* || -z "$peer_id" ]] || a="$a/p2p/$peer_id"
  echo "  address:  $a"
done
echo "  log:      $LOG_FILE"
echo "  metrics:  $METRICS_FILE"
