# SPDX-License-Identifier: MIT
# D-Bus publisher: Google Benchmark cases on a private dbus-daemon, plus the --load / --listen modes
# that bench/dbus_side_by_side.py runs beside Victron's velib_python (see bench/README.md).
gxlink_bench(dbus SOURCES dbus_bench.cpp DEPS gxlink::publisher_dbus)
