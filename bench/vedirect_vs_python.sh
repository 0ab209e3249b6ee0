#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# VE.Direct TEXT parsing, gxlink (Google Benchmark, release build) vs a straightforward Python parser
# (bench/peers/vedirect_text.py, /usr/bin/python3) on the same bytes; prints both and the ratio.
# Usage: bench/vedirect_vs_python.sh [BUILD_DIR]   (default build/release, configured if missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
if [ ! -f "$build/build.ninja" ]; then cmake --preset release -S "$root" >/dev/null; fi
cmake --build "$build" --target vedirect_bench -j2 >/dev/null

data=$(mktemp /tmp/vedirect-bench.XXXXXX)
trap 'rm -f "$data"' EXIT
shared="$root/../shared/data/vedirect"
if [ -f "$shared/karioja_bvm702.dump" ]; then
  src=("$shared/karioja_bvm702.dump" "$shared/karioja_smartsolar_1.39.dump" "$shared/karioja_bluesolar_1.23.dump")
else
  src=("$root/tests/data/vedirect/bluesolar_excerpt.dump" "$root/tests/data/vedirect/smartsolar_excerpt.dump")
fi
while [ "$(stat -c %s "$data")" -lt 4194304 ]; do cat "${src[@]}" >> "$data"; done

rates=$(VEDIRECT_BENCH_FILE="$data" "$build/bench/vedirect_bench" --benchmark_filter='BM_TextFramer' \
        --benchmark_format=json --benchmark_min_time=1 2>/dev/null \
        | /usr/bin/python3 -c 'import json,sys
b={x["name"]: x["bytes_per_second"]/1e6 for x in json.load(sys.stdin)["benchmarks"]}
print(b["BM_TextFramer"], b["BM_TextFramerAndValues"])')
framer=${rates% *}
values=${rates#* }
py_line=$(/usr/bin/python3 "$root/bench/peers/vedirect_text.py" "$data")
py=$(echo "$py_line" | sed -n 's/.*mbps=\([0-9.]*\).*/\1/p')
echo "input: $(stat -c %s "$data") bytes"
echo "gxlink framer + typed values: ${values} MB/s   (BM_TextFramerAndValues)"
echo "gxlink framer only:           ${framer} MB/s   (BM_TextFramer)"
echo "python peer:                  ${py} MB/s   ($py_line)"
/usr/bin/python3 -c "print(f'ratio (framer + values vs python, the same work): {float($values)/float($py):.0f}x')"
/usr/bin/python3 -c "print(f'ratio (framer only vs python):                  {float($framer)/float($py):.0f}x')"
