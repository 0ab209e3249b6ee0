#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target of the `fuzz` preset (clang, ASan+UBSan, every library instrumented)
# for RUNS executions each (default 10 million, issue 11), one after another, and prints one
# summary line per target: executions, seconds, exec/s, coverage, features, corpus size. New inputs
# go to a scratch corpus; crashes are written to tests/fuzz/crashes/<target>/ (add them to the
# committed corpus once fixed). Not part of ./gx test: CI replays the committed corpus instead.
#   tests/fuzz/run.sh [RUNS] [TARGET...]
# Environment: FUZZ_MAX_SECONDS stops a target earlier (0: no limit), FUZZ_MAX_LEN bounds inputs
# (default 4096; the differential framer targets run O(n^2) chunkings, 512 keeps them fast),
# FUZZ_FLAGS adds libFuzzer flags (e.g. "-entropic=0": on targets with tens of thousands of
# features, decode_jsonl, the entropic schedule's bookkeeping took 57 % of the time).
set -euo pipefail
# A UBSan report is a finding like a crash: stop and keep the input (clang's UBSan otherwise
# prints and goes on, and libFuzzer never sees it; round 6 found two that rounds 1-5 had printed).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-10000000}
shift || true
build="$root/build/fuzz"
if [ ! -f "$build/build.ninja" ]; then cmake --preset fuzz -S "$root" >/dev/null; fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$root"/tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" _fuzz.cpp)"); done
fi
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/%/_fuzz}" >/dev/null
scratch=$(mktemp -d /tmp/gxlink-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t" "$root/tests/fuzz/crashes/$t"
  log="$scratch/$t.log"
  start=$(date +%s)
  set +e
  "$build/tests/fuzz/${t}_fuzz" -runs="$runs" -max_len="${FUZZ_MAX_LEN:-4096}" \
    -max_total_time="${FUZZ_MAX_SECONDS:-0}" -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$root/tests/fuzz/crashes/$t/" ${FUZZ_FLAGS:-} \
    "$scratch/$t" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(ls "$scratch/$t" | wc -l)
  status=$([ $rc -eq 0 ] && echo clean || echo "FAILED (exit $rc, see $root/tests/fuzz/crashes/$t)")
  printf '%-20s %12s execs %7ss %9s exec/s  cov %6s  ft %6s  new inputs %5s  %s\n' \
    "$t" "${execs:-?}" "$secs" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$status"
  [ $rc -eq 0 ] || tail -40 "$log" >&2
done
