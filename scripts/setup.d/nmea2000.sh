#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The real NMEA 2000 peer for conformance tests and benchmarks: @canboat/canboatjs (analyzerjs),
# pinned, installed into the gitignored tests/peers/node/node_modules. Idempotent; skips quietly
# without npm (the tests then skip themselves).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
dir="$here/tests/peers/node"
version="3.20.0"
# canboat's PGN database; src/protocols/nmea2000/pgn_table_canboat.cpp is generated from exactly
# this version (src/protocols/nmea2000/canboat/gen_pgn_table.py), and a test checks they agree.
pgns_version="1.11.18"
if ! command -v npm >/dev/null 2>&1; then
  # A fresh Debian 12 has no Node.js: take Debian's own (nodejs 18 + npm).
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1 ||
    { echo "setup.d/nmea2000: cannot install nodejs/npm, canboatjs peer skipped" >&2; exit 0; }
fi
pkg="$dir/node_modules/@canboat/canboatjs/package.json"
pgns="$dir/node_modules/@canboat/ts-pgns/package.json"
if [ -f "$pkg" ] && grep -q "\"version\": \"$version\"" "$pkg" &&
   [ -f "$pgns" ] && grep -q "\"version\": \"$pgns_version\"" "$pgns"; then exit 0; fi
mkdir -p "$dir"
cd "$dir"
npm install --no-audit --no-fund --ignore-scripts --no-save "@canboat/canboatjs@$version" \
  "@canboat/ts-pgns@$pgns_version" >/dev/null 2>&1 ||
  echo "setup.d/nmea2000: npm install @canboat/canboatjs@$version failed; conformance tests will skip" >&2
