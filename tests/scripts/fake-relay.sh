#!/usr/bin/env bash
# Stand-in for chiral-relay in the script tests: takes the guide's flags, "binds", writes the pid file and
# a metrics file every second, exits on SIGTERM. FAKE_IGNORE_TERM=1 ignores SIGTERM; FAKE_FAIL=1 fails
# at start-up like a bad flag would. Its argv is logged so tests can check what the scripts passed.
set -u
port=4001 pid_file="" metrics_file=""
echo "fake-relay args: $*"
while (($#)); do
  case "$1" in
    --port) port=$2; shift ;;
    --pid-file) pid_file=$2; shift ;;
    --metrics-file) metrics_file=$2; shift ;;
    --identity-path | --external-address | --max-reservations | --max-circuits | --prometheus-listen) shift ;;
    --verbose) ;;
    *) echo "fake-relay: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ "${FAKE_FAIL:-}" == 1 ]]; then
  echo "error: cannot listen on /ip4/0.0.0.0/tcp/$port: Address already in use" >&2
  exit 1
fi
((port == 0)) && port=$((40000 + $$ % 20000))
peer=12D3KooWFakeRelay$$
echo "listening on /ip4/127.0.0.1/tcp/$port/p2p/$peer"
if [[ "${FAKE_IGNORE_TERM:-}" == 1 ]]; then
  trap '' TERM
else
  trap 'echo "received SIGTERM, shutting down"; [[ -n "$pid_file" ]] && rm -f "$pid_file"; exit 0' TERM
fi
if [[ -n "$pid_file" ]]; then
  echo $$ >"$pid_file.tmp" && mv "$pid_file.tmp" "$pid_file"
fi
start=$SECONDS
while :; do
  if [[ -n "$metrics_file" ]]; then
    cat >"$metrics_file.tmp" <<JSON
{"peer_id": "$peer", "version": "fake", "listen_addresses": ["/ip4/127.0.0.1/tcp/$port/p2p/$peer"],
 "connected_peers": 0, "uptime_seconds": $((SECONDS - start)), "relay_reservations": 0, "relay_circuits": 0}
JSON
    mv "$metrics_file.tmp" "$metrics_file"
  fi
  sleep 0.2
done
