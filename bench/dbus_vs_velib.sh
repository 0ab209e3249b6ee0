#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# gxlink's D-Bus publisher beside Victron's velib_python VeDbusService (500 paths, 10 Hz, private
# dbus-daemon). velib_python is checked out at run time into $VELIB_DIR (default /tmp/velib) and
# never kept in this repository. Needs /usr/bin/python3 with python3-dbus and python3-gi.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${GXLINK_BUILD:-build/release}
velib=${VELIB_DIR:-/tmp/velib}
if [ ! -f "$velib/vedbus.py" ]; then
  git clone -q --depth 1 https://github.com/victronenergy/velib_python "$velib" 2>/dev/null || {
    echo "dbus_vs_velib: no velib_python checkout at $velib (set VELIB_DIR); skipped"
    exit 0
  }
fi
exec /usr/bin/python3 bench/dbus_side_by_side.py --bench "$build/bench/dbus_bench" --gxlink "$build/src/app/gxlink" \
  --velib "$velib" "$@"
