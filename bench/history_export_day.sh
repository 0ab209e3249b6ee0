#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# "A day of the demo must work" (issue 15): a history file with a full day of samples for the
# demo's series (every series every 10 s: more than the demo stores), served by a running daemon;
# GET /api/export.csv of that day is timed, its size and row count printed, and the daemon's RSS
# read before and after (the export is streamed, so it must not grow by the export's size).
# Also times `gxlink export` of the same day. Needs sqlite3 and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${GXLINK_BUILD:-build/release}/src/app/gxlink
[ -x "$bin" ] || bin=build/ci/src/app/gxlink
dir=$(mktemp -d /tmp/gxlink-exportday-XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -m 700 "$dir/data"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[general]\ndemo = true\ndata_dir = "%s/data"\n' "$dir" > "$dir/cfg.toml"
# 1. Let the daemon create the file and its series, then stop it.
"$bin" run --config "$dir/cfg.toml" --no-tui --dbus none --http "127.0.0.1:$port" --duration 8 >"$dir/log1" 2>&1
db="$dir/data/history.sqlite"
end=$(( $(date +%s) / 86400 * 86400 ))
start=$(( end - 86400 ))
# 2. A day of samples for every series (a sine, so values differ), written by SQLite itself.
sqlite3 "$db" "DELETE FROM raw; DELETE FROM agg; DELETE FROM meta;
WITH RECURSIVE ts(t) AS (SELECT $start UNION ALL SELECT t + 10 FROM ts WHERE t + 10 < $end)
INSERT INTO raw(series, t, v) SELECT s.id, ts.t, round(50 + 40 * sin((ts.t + s.id * 97) / 3000.0), 3)
FROM series s, ts;"
rows=$(sqlite3 "$db" "SELECT count(*) FROM raw")
echo "history file: $(stat -c %s "$db") B, $(sqlite3 "$db" 'SELECT count(*) FROM series') series, $rows rows for one day"
# The day's minute and quarter aggregates, as maintain() computes them, for their size per row.
sqlite3 "$db" "INSERT OR REPLACE INTO agg SELECT 60, series, (t/60)*60, count(v), min(v), avg(v), max(v) FROM raw GROUP BY series, t/60;
INSERT OR REPLACE INTO agg SELECT 900, series, (t/900)*900, count(v), min(v), avg(v), max(v) FROM raw GROUP BY series, t/900;"
sqlite3 "$db" "SELECT 'bytes per row: raw ' || round((SELECT sum(pgsize) FROM dbstat WHERE name = 'raw') * 1.0 / (SELECT count(*) FROM raw), 1) || ', aggregate ' || round((SELECT sum(pgsize) FROM dbstat WHERE name = 'agg') * 1.0 / (SELECT count(*) FROM agg), 1)"
# 3. The daemon serves it; export the day over HTTP.
"$bin" run --config "$dir/cfg.toml" --no-tui --dbus none --http "127.0.0.1:$port" >"$dir/log2" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf "127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.2; done
sleep 2
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
t0=$(date +%s.%N)
curl -sf "127.0.0.1:$port/api/export.csv?from=$start&to=$end&resolution=raw" -o "$dir/day.csv"
t1=$(date +%s.%N)
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
echo "GET /api/export.csv (a day, raw): $(awk "BEGIN{printf \"%.2f\", $t1-$t0}") s, $(stat -c %s "$dir/day.csv") B, $(( $(wc -l < "$dir/day.csv") - 1 )) rows; daemon VmRSS ${rss0} → ${rss1} kB (VmHWM ${hwm} kB)"
t0=$(date +%s.%N)
curl -sf "127.0.0.1:$port/api/history?service=com.victronenergy.system&path=/Dc/Battery/Voltage&from=$start&to=$end" -o "$dir/h.json"
t1=$(date +%s.%N)
echo "GET /api/history (a day, 1000 points max): $(awk "BEGIN{printf \"%.3f\", $t1-$t0}") s, $(/usr/bin/python3 -c "import json; print(len(json.load(open('$dir/h.json'))))") points"
kill -TERM "$pid"; wait "$pid" || true
t0=$(date +%s.%N)
"$bin" export --from "$start" --to "$end" --resolution raw --data-dir "$dir/data" -o "$dir/cli.csv"
t1=$(date +%s.%N)
echo "gxlink export (a day, raw, csv): $(awk "BEGIN{printf \"%.2f\", $t1-$t0}") s, same bytes as HTTP: $(cmp -s "$dir/cli.csv" "$dir/day.csv" && echo yes || echo no)"
