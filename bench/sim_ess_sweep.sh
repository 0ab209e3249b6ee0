#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The sweep of docs/charge_control.md (issue 16): every policy × scenario × cell count 4..16 ×
# lfp/nmc × imbalance 0, 50, 100, 200, 300 mV (520 runs per policy), through `gxlink sim ess
# --json`. Prints, per policy and scenario, runs passed and the checks that failed (how often),
# then the list of passing naive runs. Usage: bench/sim_ess_sweep.sh [GXLINK] [OUT.jsonl]
set -euo pipefail
gxlink=${1:-build/ci/src/app/gxlink}
out=${2:-$(mktemp --suffix=.jsonl)}
: > "$out"
for policy in controller naive-static v-minus-constant; do
  for scenario in feed-in imbalance excess-pv offgrid-ac; do
    for chem in lfp nmc; do
      for cells in $(seq 4 16); do
        for mv in 0 50 100 200 300; do
          "$gxlink" sim ess --scenario "$scenario" --policy "$policy" --cells "$cells" \
            --chemistry "$chem" --imbalance-mv "$mv" --json >> "$out" || true
        done
      done
    done
  done
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys, collections
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = collections.defaultdict(list)
for r in runs: by[r["policy"]].append(r)
for policy, rs in by.items():
    passed = [r for r in rs if r["verdict"] == "pass"]
    print(f"{policy}: {len(passed)}/{len(rs)} pass")
    for sc in ["feed-in", "imbalance", "excess-pv", "offgrid-ac"]:
        s = [r for r in rs if r["scenario"] == sc]
        fails = collections.Counter(c["name"] for r in s for c in r["checks"] if not c["pass"])
        print(f"  {sc}: {sum(r['verdict']=='pass' for r in s)}/{len(s)} pass; failed checks: {dict(fails)}")
    m = collections.defaultdict(float)
    for r in rs:
        for k in ("max_cell_v", "discharge_while_pv_covers_pct", "charge_discharge_flips_per_h"):
            m[k] = max(m[k], r["metrics"][k])
    print("  worst:", {k: round(v, 3) for k, v in m.items()})
    if policy != "controller":
        for r in passed:
            print("  passes:", r["scenario"], r["chemistry"], r["cells"], r["imbalance_mv"], "mV")
PY
echo "runs in $out"
