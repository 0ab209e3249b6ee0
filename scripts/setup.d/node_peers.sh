#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The npm peers of the tests and benchmarks, pinned in tests/peers/node/package.json, installed in
# ONE `npm install` into its gitignored node_modules/ (npm removes whatever a later install into
# the same folder does not name, so one step per peer would undo the others):
#  - @canboat/canboatjs: the NMEA 2000 peer (conformance tests, bench/nmea2000_vs_canboatjs.sh);
#  - @canboat/ts-pgns: canboat's PGN database, the source of src/protocols/nmea2000/
#    pgn_table_canboat.cpp (its drift test regenerates the table from exactly this version);
#  - puppeteer-core: drives Debian's chromium in the dashboard's browser test (it never
#    downloads a browser of its own).
# Idempotent; skips quietly without npm or the registry (the tests that need a peer skip then).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
dir="$here/tests/peers/node"
if ! command -v npm >/dev/null 2>&1; then
  # A fresh Debian 12 has no Node.js: take Debian's own (nodejs 18 + npm).
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1 ||
    { echo "setup.d/node_peers: cannot install nodejs/npm, npm peers skipped" >&2; exit 0; }
fi
# Installed already at exactly the pinned versions?
current=true
while IFS=' ' read -r name version; do
  pkg="$dir/node_modules/$name/package.json"
  if ! [ -f "$pkg" ] || ! grep -q "\"version\": \"$version\"" "$pkg"; then current=false; fi
done < <(/usr/bin/python3 -c '
import json, sys
for k, v in json.load(open(sys.argv[1]))["dependencies"].items(): print(k, v)' "$dir/package.json")
$current && exit 0
cd "$dir"
npm install --no-audit --no-fund --ignore-scripts --no-save --no-package-lock >/dev/null 2>&1 ||
  echo "setup.d/node_peers: npm install in $dir failed; tests that need an npm peer will skip" >&2
