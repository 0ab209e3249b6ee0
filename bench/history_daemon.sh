#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The history's cost in the running daemon (issue 15 benchmarks): `gxlink run --demo` for SECONDS
# with [history] off and on, each in a fresh data_dir; prints CPU time, peak and current RSS, and
# for "on" the rows stored, the bytes per row of each table (sqlite3's dbstat) and the size per
# day and at the default retention extrapolated from the measured rates.
# Usage: bench/history_daemon.sh [SECONDS] (default 120). Needs sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
bin=${GXLINK_BUILD:-build/release}/src/app/gxlink
[ -x "$bin" ] || bin=build/ci/src/app/gxlink
tick=$(getconf CLK_TCK)
for mode in false true; do
  dir=$(mktemp -d /tmp/gxlink-histbench-XXXXXX)
  printf '[general]\ndemo = true\ndata_dir = "%s/data"\n[history]\nenabled = %s\n' "$dir" "$mode" > "$dir/cfg.toml"
  "$bin" run --config "$dir/cfg.toml" --no-tui --dbus none --http 127.0.0.1:0 >"$dir/log" 2>&1 &
  pid=$!
  sleep "$secs"
  read -r -a st < <(sed 's/.*) //' "/proc/$pid/stat")
  cpu=$(( (st[11] + st[12]) * 1000 / tick ))
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" || true
  echo "history=$mode: ${secs}s, CPU ${cpu} ms ($(awk "BEGIN{printf \"%.2f\", $cpu/10/$secs}") %), VmHWM ${hwm} kB, VmRSS ${rss} kB"
  if [ "$mode" = true ]; then
    db="$dir/data/history.sqlite"
    series=$(sqlite3 "$db" "SELECT count(*) FROM series")
    raw=$(sqlite3 "$db" "SELECT count(*) FROM raw")
    file=$(stat -c %s "$db")
    echo "  series ${series}, raw rows ${raw} ($(awk "BEGIN{printf \"%.1f\", $raw/$secs}") rows/s), file ${file} B"
    sqlite3 "$db" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name" | tr '|' ' ' > "$dir/dbstat"
    raw_bytes=$(awk '$1=="raw" {print $2}' "$dir/dbstat")
    b_raw=$(awk "BEGIN{printf \"%.1f\", $raw_bytes/$raw}")
    # Aggregate rows are min/avg/max/count per bucket: measure them in a copy filled from raw.
    sqlite3 "$db" "INSERT OR REPLACE INTO agg SELECT 60, series, (t/60)*60, count(v), min(v), avg(v), max(v) FROM raw GROUP BY series, t/60"
    agg=$(sqlite3 "$db" "SELECT count(*) FROM agg")
    agg_bytes=$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name='agg'")
    b_agg=$(awk "BEGIN{printf \"%.1f\", $agg_bytes/$agg}")
    awk -v raw="$raw" -v secs="$secs" -v s="$series" -v braw="$b_raw" -v bagg="$b_agg" 'BEGIN {
      raw_day = raw / secs * 86400 * braw; min_day = s * 1440 * bagg; q_day = s * 96 * bagg;
      printf "  bytes/row: raw %.1f, aggregate %.1f\n", braw, bagg;
      printf "  per day: raw %.1f MB, minute %.1f MB, quarter %.2f MB\n", raw_day/1e6, min_day/1e6, q_day/1e6;
      printf "  at the default retention (raw 2 d, minute 7 d, quarter 180 d): at most %.0f MB\n", (2*raw_day + 7*min_day + 180*q_day)/1e6 }'
  fi
  rm -rf "$dir"
done
