#!/usr/bin/env bash
# Runs every libFuzzer target for a fixed time, JOBS targets at a time, on a working corpus in the build
# directory (<build>/fuzz-corpus/<name>: the repo's seeds copied in, plus what earlier runs found; the
# repo is never written), and prints one line per target: executions, seconds, coverage (cov: of the
# final stats line), crashes. Exit status 1 when any target crashed (ASan/UBSan report, property
# check, timeout, OOM, leak). Crash inputs are kept in <build>/fuzz-artifacts/<target>/.
#
# usage: tests/fuzz/run.sh <build-dir> <seconds-per-target> [jobs] [target...]
set -euo pipefail
build=$(realpath "$1"); seconds=$2; jobs=${3:-2}; shift 3 || shift $#
repo=$(cd "$(dirname "$0")/../.." && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < "$build/fuzz/targets.txt"
logs="$build/fuzz-logs"; artifacts="$build/fuzz-artifacts"; work="$build/fuzz-corpus"
rm -rf "$logs"; mkdir -p "$logs" "$artifacts" "$work"

run_one() {  # target
  local t=$1 name=${1#fuzz_}
  mkdir -p "$work/$name" "$artifacts/$t"
  rm -f "$artifacts/$t"/*
  if [ -d "$repo/tests/fuzz/corpus/$name" ]; then cp -r "$repo/tests/fuzz/corpus/$name/." "$work/$name/"; fi
  local rc=0 start=$SECONDS
  ( cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$t/" "$work/$name" ) > "$logs/$t.log" 2>&1 || rc=$?
  echo "$rc" > "$logs/$t.rc"
  echo $((SECONDS - start)) > "$logs/$t.seconds"
}
export -f run_one
export build seconds repo work logs artifacts
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'

failed=0
printf '%-28s %12s %8s %7s %8s\n' target execs seconds cov crashes
for t in "${targets[@]}"; do
  log="$logs/$t.log"
  execs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" | tail -1 || true)
  secs=$(grep -oP 'Done [0-9]+ runs in \K[0-9]+' "$log" | tail -1 || cat "$logs/$t.seconds")
  cov=$(grep -oP '^#[0-9]+\s+\S+\s+cov: \K[0-9]+' "$log" | tail -1 || true)
  crashes=$(find "$artifacts/$t" -type f | wc -l)
  rc=$(cat "$logs/$t.rc")
  if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
    failed=1
    [ "$crashes" != 0 ] || crashes="rc=$rc"
  fi
  printf '%-28s %12s %8s %7s %8s\n' "$t" "${execs:-?}" "${secs:-?}" "${cov:-?}" "$crashes"
done
if [ "$failed" != 0 ]; then
  echo "fuzz: crashes found; logs in $logs, inputs in $artifacts (reproduce: $build/fuzz/<target> <input>)" >&2
  for t in "${targets[@]}"; do
    [ "$(cat "$logs/$t.rc")" = 0 ] || { echo "--- $t"; grep -E 'ERROR|SUMMARY|violated|runtime error' "$logs/$t.log" | head -5; } >&2
  done
fi
exit "$failed"
