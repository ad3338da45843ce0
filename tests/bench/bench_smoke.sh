#!/usr/bin/env bash
# ctest bench_smoke: `BENCH_QUICK=1 bench/run.sh` runs chiral-loadgen against chiral-relay and the js-libp2p
# relay; the table must hold every row (a)-(e) plus the crypto floor, each with a number for ours and for
# js. Performance is not asserted (the sizes are tiny and the machine is shared).
# usage: bench_smoke.sh <source dir> <chiral-relay> <chiral-loadgen>   (exit 77 = skipped: no node_modules)
set -euo pipefail
root=$1 relay=$2 loadgen=$3
if ! command -v node >/dev/null || [[ ! -d "$root/tests/interop/node_modules/libp2p" ]]; then
  echo "SKIP: node or tests/interop/node_modules missing (scripts/install-deps.sh)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
if ! BENCH_QUICK=1 BENCH_OUT="$work/results" RELAY_BIN="$relay" LOADGEN="$loadgen" \
     bash "$root/bench/run.sh" >"$work/table.txt" 2>"$work/stderr.txt"; then
  echo "FAIL: bench/run.sh exited non-zero"
  cat "$work/table.txt" "$work/stderr.txt"
  for f in "$work"/results/*.log "$work"/results/*.err; do [[ -f "$f" ]] && { echo "== $f"; tail -20 "$f"; }; done
  exit 1
fi
cat "$work/table.txt"
echo "bench/run.sh (quick) took $(($(date +%s) - start)) s"
python3 - "$work/table.txt" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
WIDTH = 56  # label column of bench/run.sh's table
want = {'(a)': 5, '(b)': 4, '(c)': 3, '(d)': 4, '(e)': 4}
seen = {k: 0 for k in want}
errors = []
header = [l for l in lines if l.startswith('benchmark ')]
if len(header) != 1 or header[0].split()[1:3] != ['ours', 'js']:
    errors.append(f'table header missing or wrong: {header}')
if not any(l.startswith('machine: ') and 'cores' in l for l in lines):
    errors.append('no machine line')
num = re.compile(r'^-?\d+(\.\d+)?$')
for l in lines:
    group = l[:3]
    if group in want:
        seen[group] += 1
        cols = l[WIDTH:].split()
        # ours/js may be '-' when js measured exactly 0 (e.g. no RSS growth for a few peers)
        if len(cols) < 3 or not num.match(cols[0]) or not num.match(cols[1]) or not (num.match(cols[2]) or cols[2] == '-'):
            errors.append(f'row without numbers for ours and js: {l!r}')
    elif l.startswith('floor:'):
        cols = l[WIDTH:].split()
        if not cols or not num.match(cols[0]):
            errors.append(f'floor row without a number: {l!r}')
        seen['floor'] = 1
for g, n in want.items():
    if seen[g] != n:
        errors.append(f'{g}: expected {n} rows, found {seen[g]}')
if 'floor' not in seen:
    errors.append('no floor row')
if errors:
    print('FAIL:\n  ' + '\n  '.join(errors))
    sys.exit(1)
print('PASS: every row has numbers for ours and js')
PY
