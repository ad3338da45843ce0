#!/usr/bin/env bash
# make bench: starts the relay on loopback (limits off) and runs the benchmark suite against it.
# Figures depend on the machine: read them as ratios measured in the same run.
set -euo pipefail
BUILD=${BUILD:-build}
CONNECTIONS=${CONNECTIONS:-2000}
CONCURRENCY=${CONCURRENCY:-64}
RELAY_MIB=${RELAY_MIB:-4096}
PARALLEL=${PARALLEL:-64}
PARALLEL_MIB=${PARALLEL_MIB:-32}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dir=$(mktemp -d)
pid=
trap '[[ -n "$pid" ]] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$BUILD/chiral-relay" --listen /ip4/127.0.0.1/tcp/0 --identity-path "$dir/id.key" \
  --max-reservations 0 --max-reservations-per-ip 0 --max-circuits 0 --max-circuits-per-peer 0 \
  --circuit-duration 0 --circuit-data-limit 0 \
  --max-connections 0 --max-connections-per-ip 0 --max-pending-handshakes 0 --idle-timeout 0 >"$dir/log" 2>&1 &
pid=$!
addr=
for _ in $(seq 100); do
  addr=$(grep -oE '/ip4/127\.0\.0\.1/tcp/[0-9]+/p2p/[A-Za-z0-9]+' "$dir/log" | head -1 || true)
  [[ -n "$addr" ]] && break
  sleep 0.05
done
[[ -n "$addr" ]] || { cat "$dir/log"; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "relay: $addr (pid $pid)"
bench="$BUILD/bench/chiral-bench --target $addr --pid $pid"
# Idle-connection RSS first, on a fresh process (later runs leave freed memory in the allocator).
$bench handshake --connections "$CONNECTIONS" --concurrency "$CONCURRENCY" | tee "$dir/hs.json"
$bench relay --circuits 1 --mib "$RELAY_MIB" | tee "$dir/one.json"
$bench relay --circuits "$PARALLEL" --mib "$PARALLEL_MIB" | tee "$dir/many.json"
python3 - "$dir" <<'PY'
import json,sys,os
d=sys.argv[1]
one=json.load(open(os.path.join(d,'one.json')))
many=json.load(open(os.path.join(d,'many.json')))
hs=json.load(open(os.path.join(d,'hs.json')))
floor=0.63  # CPU-s/GiB for one ChaCha20-Poly1305 decrypt + encrypt on this kind of machine (issue 9)
rows=[
 ("(a) 1 circuit: relayed MiB/s", f"{one['mib_per_second']:.0f}"),
 ("(a) 1 circuit: Gbit/s", f"{one['gbit_per_second']:.2f}"),
 ("(a) 1 circuit: relay CPU-s per GiB", f"{one['relay_cpu_seconds_per_gib']:.2f}"),
 ("(a) ratio to crypto floor (0.63 s/GiB)", f"{one['relay_cpu_seconds_per_gib']/floor:.2f}x"),
 (f"(b) {many['circuits']} circuits: relayed MiB/s", f"{many['mib_per_second']:.0f}"),
 (f"(b) {many['circuits']} circuits: relay CPU-s per GiB", f"{many['relay_cpu_seconds_per_gib']:.2f}"),
 (f"(b) {many['circuits']} circuits: relay peak RSS MiB", f"{many['relay_rss_kib_peak']/1024:.1f}"),
 ("(d) inbound handshakes/s (client on same box)", f"{hs['handshakes_per_second']:.0f}"),
 ("(d) relay CPU ms per handshake (+identify)", f"{hs['relay_cpu_ms_per_handshake']:.3f}"),
 ("(c) relay RSS KiB per idle connection", f"{hs['relay_rss_kib_per_connection']:.1f}"),
]
print()
print(f"{'benchmark':48} {'chiral-relay':>14}")
for k,v in rows: print(f"{k:48} {v:>14}")
PY
