#!/usr/bin/env bash
# make bench (issue 9): runs chiral-loadgen against chiral-relay and, in the same run, against the js-libp2p
# relay (tests/interop/bench_relay.mjs, limits off), then prints one table: (a) one circuit, (b) parallel
# circuits, (c) idle peers holding reservations, (d) handshake storm, (e) added RTT through the relay, with
# columns ours | js | ours/js | target | ours/floor. Every group of rows runs on a freshly started relay.
# Figures depend on the machine and its load: read them as ratios measured in the same run. See
# bench/README.md for the knobs (BENCH_QUICK=1, BENCH_JS=0, PERF=1, sizes) and how to read the table.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$PWD/$BUILD"
RELAY_BIN=${RELAY_BIN:-$BUILD/chiral-relay}
LOADGEN=${LOADGEN:-$BUILD/bench/chiral-loadgen}
JS_RELAY="$here/tests/interop/bench_relay.mjs"
BENCH_JS=${BENCH_JS:-1}
PERF=${PERF:-0}

if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  # Smoke sizes: every row exercised, nothing measured seriously.
  d_relay_mib=32 d_parallel=64 d_parallel_mib=1 d_idle=200 d_js_idle=100 d_hs=200 d_js_hs=100 d_conc=32
  d_rtt=200 d_rtt_warmup=20 d_floor=32 d_max_seconds=10
else
  d_relay_mib=4096 d_parallel=64 d_parallel_mib=64 d_idle=10000 d_js_idle=2000 d_hs=2000 d_js_hs=1000 d_conc=64
  d_rtt=2000 d_rtt_warmup=200 d_floor=1024 d_max_seconds=60
fi
RELAY_MIB=${RELAY_MIB:-$d_relay_mib}          # (a) MiB through one circuit
PARALLEL=${PARALLEL:-$d_parallel}             # (b) circuits
PARALLEL_MIB=${PARALLEL_MIB:-$d_parallel_mib} # (b) MiB per circuit
B_TARGETS=${B_TARGETS:-1}                     # (b) reserved target peers (circuit i ends at target i % N)
B_SOURCES=${B_SOURCES:-1}                     # (b) source peers dialing through the relay
MAX_SECONDS=${MAX_SECONDS:-$d_max_seconds}    # (a), (b) stop sending after this long (the js relay is slow)
IDLE=${IDLE:-$d_idle}                         # (c) peers with a reservation (ours)
JS_IDLE=${JS_IDLE:-$d_js_idle}                # (c) the same for js (~9 ms of js CPU each)
HANDSHAKES=${HANDSHAKES:-$d_hs}               # (d) connections (ours)
JS_HANDSHAKES=${JS_HANDSHAKES:-$d_js_hs}      # (d) connections (js)
CONCURRENCY=${CONCURRENCY:-$d_conc}           # (c), (d) set-ups in flight
RTT_ROUNDS=${RTT_ROUNDS:-$d_rtt}              # (e) measured round trips per path
RTT_WARMUP=${RTT_WARMUP:-$d_rtt_warmup}
FLOOR_MIB=${FLOOR_MIB:-$d_floor}

for f in "$RELAY_BIN" "$LOADGEN"; do
  [[ -x "$f" ]] || { echo "bench: $f missing (make build)" >&2; exit 1; }
done
if [[ "$BENCH_JS" == 1 ]]; then
  if ! command -v node >/dev/null || [[ ! -d "$here/tests/interop/node_modules/libp2p" ]]; then
    echo "bench: node or tests/interop/node_modules missing (scripts/install-deps.sh), or set BENCH_JS=0" >&2
    exit 1
  fi
fi

# Every idle peer is one socket in the relay and one in the loadgen (children inherit this limit).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
notes=()
for var in IDLE JS_IDLE HANDSHAKES JS_HANDSHAKES; do
  if ((${!var} + 256 > nofile)); then
    notes+=("$var lowered from ${!var} to $((nofile - 256)): ulimit -n is $nofile")
    printf -v "$var" '%d' $((nofile - 256))
  fi
done

OUT=${BENCH_OUT:-$BUILD/bench-results}
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.err "$OUT"/*.failed "$OUT"/*.log "$OUT"/perf.*
relay_pid=
perf_pid=
cleanup() {
  if [[ -n "$perf_pid" ]]; then kill -INT "$perf_pid" 2>/dev/null || true; fi
  if [[ -n "$relay_pid" ]]; then kill "$relay_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

# start_relay ours|js <tag>: sets relay_pid and relay_addr.
start_relay() {
  local kind=$1 log="$OUT/$1-$2.log" pat
  if [[ "$kind" == ours ]]; then
    "$RELAY_BIN" --listen /ip4/127.0.0.1/tcp/0 --identity-path "$OUT/ours-id.key" \
      --max-reservations 0 --max-reservations-per-ip 0 --max-circuits 0 --max-circuits-per-peer 0 \
      --circuit-duration 0 --circuit-data-limit 0 --handshake-timeout 60 \
      --max-connections 0 --max-connections-per-ip 0 --max-pending-handshakes 0 --max-streams-per-connection 0 \
      --max-inbound-streams 0 --stream-buffer-mib 0 --idle-timeout 0 >"$log" 2>&1 &
    pat='/ip4/127\.0\.0\.1/tcp/[0-9]+/p2p/[A-Za-z0-9]+'
  else
    node "$JS_RELAY" >"$log" 2>&1 &
    pat='js-relay /ip4/127\.0\.0\.1/tcp/[0-9]+/p2p/[A-Za-z0-9]+'
  fi
  relay_pid=$!
  relay_addr=
  for _ in $(seq 300); do
    relay_addr=$(grep -oE "$pat" "$log" | head -1 | sed 's/^js-relay //' || true)
    [[ -n "$relay_addr" ]] && return 0
    kill -0 "$relay_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: $kind relay did not start:" >&2
  cat "$log" >&2
  exit 1
}

stop_relay() {
  kill "$relay_pid" 2>/dev/null || true
  wait "$relay_pid" 2>/dev/null || true
  relay_pid=
}

# measure <name> <loadgen mode args...>: one JSON line into $OUT/<name>.json (kept even when the run failed);
# a non-zero exit (failed set-ups, a sanitizer report) leaves $OUT/<name>.failed and shows as FAIL.
measure() {
  local name=$1
  shift
  if ! "$LOADGEN" --target "$relay_addr" --pid "$relay_pid" "$@" >"$OUT/$name.json" 2>"$OUT/$name.err"; then
    echo "bench: $name failed: $(tail -c 400 "$OUT/$name.json") $(tail -c 400 "$OUT/$name.err")" >&2
    touch "$OUT/$name.failed"
  fi
  [[ -s "$OUT/$name.err" ]] || rm -f "$OUT/$name.err"
}

run_suite() {
  local kind=$1 idle=$2 hs=$3
  echo "bench: $kind relay: (c) $idle idle peers with reservations" >&2
  start_relay "$kind" c
  measure "$kind-c" idle --connections "$idle" --concurrency "$CONCURRENCY"
  stop_relay
  echo "bench: $kind relay: (d) $hs handshakes" >&2
  start_relay "$kind" d
  measure "$kind-d" handshake --connections "$hs" --concurrency "$CONCURRENCY"
  stop_relay
  echo "bench: $kind relay: (a) 1 circuit x $RELAY_MIB MiB, (b) $PARALLEL circuits x $PARALLEL_MIB MiB, (e) RTT" >&2
  start_relay "$kind" abe
  if [[ "$kind" == ours && "$PERF" == 1 ]]; then
    if command -v perf >/dev/null; then
      perf record -g -F 499 -p "$relay_pid" -o "$OUT/perf.data" >"$OUT/perf.log" 2>&1 &
      perf_pid=$!
      sleep 0.5
    else
      notes+=("PERF=1 but perf is missing (apt-get install linux-perf)")
    fi
  fi
  measure "$kind-a" relay --circuits 1 --mib "$RELAY_MIB" --seconds "$MAX_SECONDS"
  if [[ -n "$perf_pid" ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf_pid=
  fi
  measure "$kind-b" relay --circuits "$PARALLEL" --mib "$PARALLEL_MIB" --seconds "$MAX_SECONDS" \
    --targets "$B_TARGETS" --sources "$B_SOURCES"
  measure "$kind-e" rtt --rounds "$RTT_ROUNDS" --warmup "$RTT_WARMUP"
  stop_relay
}

"$LOADGEN" floor --mib "$FLOOR_MIB" >"$OUT/floor.json" || touch "$OUT/floor.failed"
run_suite ours "$IDLE" "$HANDSHAKES"
if [[ "$BENCH_JS" == 1 ]]; then run_suite js "$JS_IDLE" "$JS_HANDSHAKES"; fi

echo
echo "machine: $(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: numbers are noisy)"
printf '%s\n' "${notes[@]+"${notes[@]}"}" | sed '/^$/d; s/^/note: /'
python3 - "$OUT" "$RELAY_MIB" "$PARALLEL" "$PARALLEL_MIB" "$IDLE" "$JS_IDLE" "$HANDSHAKES" "$JS_HANDSHAKES" "$MAX_SECONDS" <<'PY'
import json, os, sys
out, relay_mib, parallel, parallel_mib, idle, js_idle, hs, js_hs, max_s = sys.argv[1:]

def load(name):
    try:
        with open(os.path.join(out, name + '.json')) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None

floor = None if os.path.exists(os.path.join(out, 'floor.failed')) else (load('floor') or {}).get('cpu_seconds_per_gib')

def value(kind, group, key, scale=1.0):
    r = load(f'{kind}-{group}')
    if os.path.exists(os.path.join(out, f'{kind}-{group}.failed')):
        return None
    if r is None or r.get('failed') not in (False, 0) or key not in r:
        return None
    return r[key] * scale

# (label, group, json key, scale, digits, target text, show ratio to the crypto floor)
rows = [
    (f'(a) 1 circuit, {relay_mib} MiB or {max_s} s: MiB/s', 'a', 'mib_per_second', 1, 0, '>= 596', False),
    ('(a) 1 circuit: GiB relayed', 'a', 'bytes', 1 / 2**30, 2, '', False),
    ('(a) 1 circuit: Gbit/s', 'a', 'gbit_per_second', 1, 2, '>= 5', False),
    ('(a) 1 circuit: relay CPU-s per GiB', 'a', 'relay_cpu_seconds_per_gib', 1, 2, '<= 0.9', True),
    ('(a) 1 circuit: relay peak RSS MiB', 'a', 'relay_rss_kib_peak', 1 / 1024, 1, '', False),
    (f'(b) {parallel} circuits x {parallel_mib} MiB or {max_s} s: MiB/s', 'b', 'mib_per_second', 1, 0, '>= 596', False),
    (f'(b) {parallel} circuits: GiB relayed', 'b', 'bytes', 1 / 2**30, 2, '', False),
    (f'(b) {parallel} circuits: relay CPU-s per GiB', 'b', 'relay_cpu_seconds_per_gib', 1, 2, '<= 0.9', True),
    (f'(b) {parallel} circuits: relay peak RSS MiB', 'b', 'relay_rss_kib_peak', 1 / 1024, 1, '', False),
    (f'(c) idle peers, ours {idle} / js {js_idle}: RSS KiB per peer', 'c', 'relay_rss_kib_per_connection', 1, 1, '<= 16', False),
    ('(c) relay CPU ms per new peer (identify + reserve)', 'c', 'relay_cpu_ms_per_peer', 1, 3, '<= 0.5', False),
    ('(c) new peers/s (client on the same box)', 'c', 'peers_per_second', 1, 0, '', False),
    (f'(d) handshakes, ours {hs} / js {js_hs}: per s (client-bound)', 'd', 'handshakes_per_second', 1, 0, '', False),
    ('(d) relay CPU ms per handshake (+ identify)', 'd', 'relay_cpu_ms_per_handshake', 1, 3, '', False),
    ('(d) handshakes per relay CPU-second (= per core)', 'd', 'handshakes_per_relay_cpu_second', 1, 0, '>= 2500', False),
    ('(d) relay RSS KiB per connection (no reservation)', 'd', 'relay_rss_kib_per_connection', 1, 1, '', False),
    ('(e) 64 B request/response, relayed p50 us', 'e', 'relayed_p50_us', 1, 0, '', False),
    ('(e) same, direct p50 us', 'e', 'direct_p50_us', 1, 0, '', False),
    ('(e) added p50 RTT us', 'e', 'added_p50_us', 1, 0, '<= 100', False),
    ('(e) added p99 RTT us', 'e', 'added_p99_us', 1, 0, '', False),
]

def fmt(v, digits):
    return 'FAIL' if v is None else f'{v:.{digits}f}'

w = 56
print(f"{'benchmark':{w}} {'ours':>10} {'js':>10} {'ours/js':>8} {'target':>8} {'ours/floor':>10}")
for label, group, key, scale, digits, target, vs_floor in rows:
    ours = value('ours', group, key, scale)
    js = value('js', group, key, scale)
    # GiB relayed only shows how far each got within the time cap: no ratio
    ratio = f'{ours / js:.2f}' if ours is not None and js not in (None, 0) and key != 'bytes' else '-'
    fl = f'{ours / floor:.2f}' if vs_floor and ours is not None and floor else ''
    print(f'{label:{w}} {fmt(ours, digits):>10} {fmt(js, digits) if os.path.exists(os.path.join(out, "js-" + group + ".json")) else "-":>10} {ratio:>8} {target:>8} {fl:>10}')
print(f"{'floor: ChaCha20-Poly1305 decrypt+encrypt CPU-s per GiB':{w}} {fmt(floor, 2):>10}")
PY
if [[ -f "$OUT/perf.data" ]]; then
  echo
  # perf pads its columns to the widest name: squeeze them. libcrypto has no symbols (addresses only).
  squeeze() { grep -E '^ +[0-9.]+%' | sed -E 's/ +$//; s/( +-)+$//; s/ {3,}/  /g'; }
  echo "perf: chiral-relay during (a), self time by library (full report: perf report -i $OUT/perf.data)"
  perf report -i "$OUT/perf.data" --stdio --no-children -g none --sort dso 2>/dev/null | squeeze | head -6 || true
  echo "perf: top 15 symbols"
  perf report -i "$OUT/perf.data" --stdio --no-children -g none --sort dso,symbol 2>/dev/null | squeeze | head -15 || true
fi
echo "raw results: $OUT"
