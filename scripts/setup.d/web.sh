#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The browser test driver (issue 15): puppeteer-core, pinned, into the gitignored
# tests/peers/node/node_modules (beside canboatjs). It drives Debian's chromium; it downloads no
# browser of its own (the -core package never does). Idempotent; skips quietly without npm (the
# browser test then skips itself).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
dir="$here/tests/peers/node"
version="24.9.0"
command -v npm >/dev/null 2>&1 || { echo "setup.d/web: no npm; browser tests will skip" >&2; exit 0; }
pkg="$dir/node_modules/puppeteer-core/package.json"
if [ -f "$pkg" ] && grep -q "\"version\": \"$version\"" "$pkg"; then exit 0; fi
mkdir -p "$dir"
cd "$dir"
npm install --no-audit --no-fund --ignore-scripts --no-save "puppeteer-core@$version" >/dev/null 2>&1 ||
  echo "setup.d/web: npm install puppeteer-core@$version failed; browser tests will skip" >&2
