#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Regenerates the canboat PGN table from the pinned, installed @canboat/ts-pgns and fails when the
# committed pgn_table_canboat.cpp differs (the pin in tests/peers/node/package.json and the file
# must move together). Exit 77 (skipped) when the package is not installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../../.." && pwd)
pkg="$root/tests/peers/node/node_modules/@canboat/ts-pgns"
[ -f "$pkg/canboat.json" ] || { echo "@canboat/ts-pgns not installed: skipped"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
/usr/bin/python3 "$root/src/protocols/nmea2000/canboat/gen_pgn_table.py" "$pkg/canboat.json" \
  "$pkg/package.json" "$out"
if ! diff -u "$root/src/protocols/nmea2000/pgn_table_canboat.cpp" "$out" | head -40; then :; fi
cmp -s "$root/src/protocols/nmea2000/pgn_table_canboat.cpp" "$out" ||
  { echo "pgn_table_canboat.cpp is stale: rerun gen_pgn_table.py (see its header)"; exit 1; }
echo "pgn_table_canboat.cpp matches $(grep -o '"version": "[^"]*"' "$pkg/package.json")"
