#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End to end, CLI against CLI, both writing JSON Lines (issue 13 item 5): `gxlink decode vedirect
# FILE > /dev/null` against bench/peers/vedirect_decode.py (the plain Python parser of
# vedirect_text.py, printing one JSON line per block and HEX frame) on the same ~18 MB made of the
# shared captures. CPU seconds (user + sys) of each whole process, best of RUNS; prints the ratio.
# Usage: bench/decode_vs_python.sh [GXLINK_BINARY] [RUNS]   (default: build/release, configured and
# built if missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gx=${1:-}
runs=${2:-3}
if [ -z "$gx" ]; then
  if [ ! -f "$root/build/release/build.ninja" ]; then cmake --preset release -S "$root" >/dev/null; fi
  cmake --build "$root/build/release" --target gxlink -j2 >/dev/null
  gx="$root/build/release/src/app/gxlink"
fi
data=$(mktemp /tmp/vedirect-decode.XXXXXX)
trap 'rm -f "$data" "$data.time"' EXIT
shared="$root/../shared/data/vedirect"
if [ -f "$shared/karioja_bvm702.dump" ]; then
  src=("$shared/karioja_bvm702.dump" "$shared/karioja_smartsolar_1.39.dump" "$shared/karioja_bluesolar_1.23.dump")
else
  src=("$root/tests/data/vedirect/bluesolar_excerpt.dump" "$root/tests/data/vedirect/smartsolar_excerpt.dump")
fi
while [ "$(stat -c %s "$data")" -lt 18000000 ]; do cat "${src[@]}" >> "$data"; done

cpu() {  # best CPU seconds of one `$@ > /dev/null`, over $runs measurements of $reps runs each
  # (/usr/bin/time counts in 10 ms steps: a fast command is repeated to be measured well)
  local reps=$1
  shift
  local best=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$data.time" -f '%U %S' sh -c \
      'n=$1; shift; i=0; while [ $i -lt $n ]; do "$@" > /dev/null 2>&1; i=$((i+1)); done' \
      sh "$reps" "$@"
    local t
    t=$(awk -v n="$reps" '{print ($1 + $2) / n}' "$data.time")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}
g_lines=$("$gx" decode vedirect "$data" 2>/dev/null | wc -l)
p_lines=$(/usr/bin/python3 "$root/bench/peers/vedirect_decode.py" "$data" | wc -l)
g=$(cpu 20 "$gx" decode vedirect "$data")
p=$(cpu 1 /usr/bin/python3 "$root/bench/peers/vedirect_decode.py" "$data")
mb=$(awk "BEGIN{print $(stat -c %s "$data") / 1e6}")
echo "input: ${mb} MB, JSON lines: gxlink ${g_lines}, python ${p_lines}"
awk "BEGIN{printf \"gxlink decode vedirect: %.4f CPU s (%.0f MB/s)\n\", $g, $mb / ($g > 0 ? $g : 1e-9)}"
awk "BEGIN{printf \"python peer:            %.3f CPU s (%.1f MB/s)\n\", $p, $mb / $p}"
awk "BEGIN{printf \"ratio: %.0fx\n\", $p / ($g > 0 ? $g : 1e-9)}"
