#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The velib_python side of bench/dbus_side_by_side.py: Victron's own VeDbusService (imported at
run time from a checkout of github.com/victronenergy/velib_python; none of its code is kept here)
with N paths changing at HZ, batched (`with service as ctx`, one ItemsChanged) or per path
(`service[path] = v`, one PropertiesChanged each).

  velib_load.py VELIB_DIR ADDRESS N HZ items|properties
"""
import signal
import sys

velib_dir, address, n, hz, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
sys.path.insert(0, velib_dir)

import dbus  # noqa: E402
from dbus.mainloop.glib import DBusGMainLoop  # noqa: E402
from gi.repository import GLib  # noqa: E402
from vedbus import VeDbusService  # noqa: E402

DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(address)
svc = VeDbusService('com.victronenergy.battery.velibbench', bus=bus, register=False)
svc.add_mandatory_paths('velib_load.py', '1.0', 'Bench', 0, 0, 'velib bench', 0, 0, 1)
paths = ['/Bench/%d/Value' % i for i in range(n)]
for p in paths:
    # The same text as gxlink's "%.2f" + unit, the way Victron drivers give text callbacks.
    svc.add_path(p, 0.0, gettextcallback=lambda path, v: '%.2fV' % v)
svc.register()

ticks = 0


def tick():
    global ticks
    ticks += 1
    t = ticks
    if mode == 'items':
        with svc as ctx:
            for i, p in enumerate(paths):
                ctx[p] = (t % 1000) * 0.01 + i * 0.001
    else:
        for i, p in enumerate(paths):
            svc[p] = (t % 1000) * 0.01 + i * 0.001
    if t == 1:
        print('ready', flush=True)
    return True


loop = GLib.MainLoop()


def stop():
    loop.quit()
    return False


GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, stop)
GLib.timeout_add(int(1000 / hz), tick)
loop.run()
print('{"ticks": %d}' % ticks, flush=True)
