#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Side-by-side NMEA 2000 decode speed: `gxlink decode nmea2000` vs canboatjs `analyzerjs`, both
# reading the same file and writing JSON Lines to /dev/null. Workloads (from ../shared/data/n2k):
#   candump: canboat_candumpSample3.txt (candump -l frames, nav traffic) × 50
#   energy:  the energy-PGN lines of canboat_dirona-actisense-serial.raw (canboat text, ISO
#            timestamps only, so that canboatjs reads every line) × 100
# Optionally also canboat's C analyzer: build canboat outside the repo (never commit it) and point
# CANBOAT_BIN at the folder holding `analyzer` and `candump2analyzer`.
# Usage: [GXLINK_BUILD=build/release] [CANBOAT_BIN=/tmp/canboat/rel/linux-x86_64] \
#          bench/nmea2000_vs_canboatjs.sh [path/to/gxlink]   (bench/run.sh sets GXLINK_BUILD)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GXLINK_BUILD:-build/release}
case "$build" in /*) ;; *) build=$root/$build ;; esac
[ -x "$build/src/app/gxlink" ] || build=$root/build/ci
gx=${1:-$build/src/app/gxlink}
peer=$root/tests/peers/node/node_modules/@canboat/canboatjs/dist/bin/analyzerjs.js
data=$root/../shared/data/n2k
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$gx" ] && [ -f "$peer" ] && [ -d "$data" ] || { echo "need $gx, $peer and $data" >&2; exit 1; }

grep -v '^#' "$data/canboat_candumpSample3.txt" > "$tmp/one.log"
for _ in $(seq 50); do cat "$tmp/one.log"; done > "$tmp/candump.log"
grep -E '^[0-9-]+T[^,]*Z,[0-9]+,(12750[1-9]|127751|650[0-3][0-9]|61184),' "$data/canboat_dirona-actisense-serial.raw" > "$tmp/e.txt"
for _ in $(seq 100); do cat "$tmp/e.txt"; done > "$tmp/energy.txt"

# CPU time (user + sys of the command and its children), not wall time: the machines this runs on
# are shared, and CPU time is what stays comparable under load. Falls back to wall time.
t() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" > /dev/null 2>&1 || true
    awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/time"
  else
    local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc
  fi
}
for w in candump energy; do
  f=$tmp/$w.log; [ -f "$f" ] || f=$tmp/$w.txt
  lines=$(wc -l < "$f")
  ours=$(for _ in 1 2 3; do t "$gx" decode nmea2000 "$f"; done | sort -n | head -1)
  theirs=$(for _ in 1 2; do t sh -c "node '$peer' < '$f'"; done | sort -n | head -1)
  n_ours=$("$gx" decode nmea2000 "$f" 2>/dev/null | wc -l)
  n_theirs=$(node "$peer" < "$f" 2>/dev/null | grep -c '^{' || true)
  printf '%-8s %8d lines  gxlink %6.3f s (%d msgs, %.0f lines/s)  canboatjs %6.3f s (%d msgs, %.0f lines/s)  ratio %.1fx\n' \
    "$w" "$lines" "$ours" "$n_ours" "$(echo "$lines / $ours" | bc -l)" "$theirs" "$n_theirs" \
    "$(echo "$lines / $theirs" | bc -l)" "$(echo "$theirs / $ours" | bc -l)"
  if [ -n "${CANBOAT_BIN:-}" ] && [ -x "$CANBOAT_BIN/analyzer" ]; then
    if [ "$w" = candump ]; then
      c=$(for _ in 1 2 3; do t sh -c "'$CANBOAT_BIN/candump2analyzer' < '$f' | '$CANBOAT_BIN/analyzer' -json -si"; done | sort -n | head -1)
    else
      c=$(for _ in 1 2 3; do t sh -c "'$CANBOAT_BIN/analyzer' -json -si < '$f'"; done | sort -n | head -1)
    fi
    printf '%-8s canboat C analyzer %6.3f s  ratio canboat/gxlink %.1fx\n' "$w" "$c" "$(echo "$c / $ours" | bc -l)"
  fi
done
