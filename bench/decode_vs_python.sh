#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End to end, CLI against CLI, both writing JSON Lines (issue 13 item 5): `gxlink decode vedirect
# FILE > /dev/null` against bench/peers/vedirect_decode.py (the plain Python parser of
# vedirect_text.py, printing one JSON line per block and HEX frame) on the same input, in one run.
# Workloads: the three shared captures together ("mix") and each capture alone, each repeated to
# about 18 MB (without ../shared: the tests/data excerpts). CPU seconds (user + sys) of each whole
# process, start-up included; gxlink and Python are measured in turn RUNS times, so that machine
# load hits both alike; prints the median and best of each and the ratio of the medians.
# Usage: bench/decode_vs_python.sh [GXLINK_BINARY] [RUNS]   (default: build/release, configured and
# built if missing; RUNS 5). GXLINK_SHARED_DATA overrides ../shared/data (e.g. from a worktree).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gx=${1:-}
runs=${2:-5}
if [ -z "$gx" ]; then
  if [ ! -f "$root/build/release/build.ninja" ]; then cmake --preset release -S "$root" >/dev/null; fi
  cmake --build "$root/build/release" --target gxlink -j2 >/dev/null
  gx="$root/build/release/src/app/gxlink"
fi
work=$(mktemp -d /tmp/vedirect-decode.XXXXXX)
trap 'rm -rf "$work"' EXIT
shared="${GXLINK_SHARED_DATA:-$root/../shared/data}/vedirect"
declare -A sources
if [ -f "$shared/karioja_bvm702.dump" ]; then
  sources[mix]="$shared/karioja_bvm702.dump $shared/karioja_smartsolar_1.39.dump $shared/karioja_bluesolar_1.23.dump"
  sources[bvm702]="$shared/karioja_bvm702.dump"
  sources[smartsolar_1.39]="$shared/karioja_smartsolar_1.39.dump"
  sources[bluesolar_1.23]="$shared/karioja_bluesolar_1.23.dump"
  order="mix bvm702 smartsolar_1.39 bluesolar_1.23"
else
  echo "(no $shared: using the tests/data excerpts)"
  sources[excerpts]="$root/tests/data/vedirect/bluesolar_excerpt.dump $root/tests/data/vedirect/smartsolar_excerpt.dump"
  order="excerpts"
fi

cpu() {  # CPU seconds of one `$@ > /dev/null`, from one measurement of $reps runs
  # (/usr/bin/time counts in 10 ms steps: a fast command is repeated to be measured well)
  local reps=$1
  shift
  /usr/bin/time -o "$work/time" -f '%U %S' sh -c \
    'n=$1; shift; i=0; while [ $i -lt $n ]; do "$@" > /dev/null 2>&1; i=$((i+1)); done' \
    sh "$reps" "$@"
  awk -v n="$reps" '{print ($1 + $2) / n}' "$work/time"
}
stats() {  # median and best of the numbers on stdin
  sort -g | awk '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                                   printf "%.4f %.4f\n", m, v[1]}'
}

echo "gxlink: $gx; runs: $runs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %8s %7s %17s %17s %7s\n' workload MB lines "gxlink med/best s" "python med/best s" ratio
for w in $order; do
  data="$work/$w.dump"
  : > "$data"
  # shellcheck disable=SC2086
  while [ "$(stat -c %s "$data")" -lt 18000000 ]; do cat ${sources[$w]} >> "$data"; done
  g_lines=$("$gx" decode vedirect "$data" 2>/dev/null | wc -l)
  p_lines=$(/usr/bin/python3 "$root/bench/peers/vedirect_decode.py" "$data" | wc -l)
  if [ "$g_lines" != "$p_lines" ]; then echo "$w: JSON lines differ: gxlink $g_lines, python $p_lines"; fi
  : > "$work/g"
  : > "$work/p"
  for _ in $(seq "$runs"); do
    cpu 20 "$gx" decode vedirect "$data" >> "$work/g"
    cpu 1 /usr/bin/python3 "$root/bench/peers/vedirect_decode.py" "$data" >> "$work/p"
  done
  read -r g gb < <(stats < "$work/g")
  read -r p pb < <(stats < "$work/p")
  mb=$(awk "BEGIN{print $(stat -c %s "$data") / 1e6}")
  awk -v w="$w" -v mb="$mb" -v n="$g_lines" -v g="$g" -v gb="$gb" -v p="$p" -v pb="$pb" 'BEGIN{
    printf "%-16s %8.1f %7d %8.4f/%-8.4f %8.3f/%-8.3f %6.0fx   (gxlink %.0f MB/s, python %.1f MB/s)\n",
           w, mb, n, g, gb, p, pb, p / (g > 0 ? g : 1e-9), mb / (g > 0 ? g : 1e-9), mb / p}'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
