#!/usr/bin/env bash
# make bench: starts the relay on loopback and runs the benchmark suite against it.
# Figures depend on the machine: read them as ratios measured in the same run.
set -euo pipefail
BUILD=${BUILD:-build}
CONNECTIONS=${CONNECTIONS:-2000}
CONCURRENCY=${CONCURRENCY:-64}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
"$BUILD/chiral-relay" --listen /ip4/127.0.0.1/tcp/0 --identity-path "$dir/id.key" >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  addr=$(grep -oE '/ip4/127\.0\.0\.1/tcp/[0-9]+/p2p/[A-Za-z0-9]+' "$dir/log" | head -1 || true)
  [[ -n "$addr" ]] && break
  sleep 0.05
done
[[ -n "$addr" ]] || { cat "$dir/log"; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "relay: $addr (pid $pid)"
"$BUILD/bench/chiral-bench" --target "$addr" --pid "$pid" --connections "$CONNECTIONS" --concurrency "$CONCURRENCY" | tee "$dir/result.json"
python3 - "$dir/result.json" <<'PY'
import json,sys
r=json.load(open(sys.argv[1]))
print(f"{'metric':44} {'value':>12}")
print(f"{'inbound handshakes/s (client on same box)':44} {r['handshakes_per_second']:12.0f}")
print(f"{'relay CPU ms per handshake (+identify)':44} {r['relay_cpu_ms_per_handshake']:12.3f}")
print(f"{'relay RSS KiB per idle connection':44} {r['relay_rss_kib_per_connection']:12.1f}")
print(f"{'connections held / failed':44} {str(r['connections'])+' / '+str(r['failed']):>12}")
PY
