#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Simulated-to-real time ratio of `gxlink sim ess` (issue 16: at least 1000x real time).
# Usage: bench/sim_ess_speed.sh [path/to/gxlink] [hours]
set -euo pipefail
gxlink=${1:-build/release/src/app/gxlink}
hours=${2:-24}
printf '%-11s %-17s %5s %8s %10s %10s\n' scenario policy cells sim_h wall_s ratio
for scenario in feed-in imbalance excess-pv offgrid-ac; do
  for cells in 4 16; do
    for policy in controller; do
      # --json reports wall_seconds and speedup of the run itself (no process start-up);
      # exit 1 only means the verdict was "fail".
      json=$("$gxlink" sim ess --scenario "$scenario" --policy "$policy" --cells "$cells" \
               --hours "$hours" --json || true)
      /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print("%-11s %-17s %5d %8.0f %10.3f %10.0f" % (d["scenario"], d["policy"], d["cells"],
      d["sim_seconds"] / 3600, d["wall_seconds"], d["speedup"]))' "$json"
    done
  done
done
