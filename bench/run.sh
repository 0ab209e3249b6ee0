#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every benchmark binary of the release build and every side-by-side script (bench/*_vs_*.sh).
# Figures are summarised by hand in bench/README.md; raw output goes to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${GXLINK_BUILD:-build/release}
mkdir -p bench/results
shopt -s nullglob
for b in "$build"/bench/*_bench; do
  name=$(basename "$b")
  echo "== $name"
  "$b" --benchmark_min_time=0.2 | tee "bench/results/$name.txt"
done
for s in bench/*_vs_*.sh; do
  echo "== $s"
  GXLINK_BUILD="$build" bash "$s" | tee "bench/results/$(basename "$s" .sh).txt"
done
echo "== bench/sim_ess_speed.sh"
bash bench/sim_ess_speed.sh "$build/src/app/gxlink" | tee bench/results/sim_ess_speed.txt
