#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A tiny exporter in the manner of velib's VeDbusService (written for these tests, no velib code):
one connection, an object per path plus `/` and the inner nodes, com.victronenergy.BusItem with
GetValue / GetText / SetValue / GetItems, ItemsChanged on `/` and PropertiesChanged per path, and
the name claimed after the mandatory paths exist (do_not_queue).

  fake_venus_service.py ADDRESS SERVICE_NAME [--no-getitems]

Reads commands on stdin: `set PATH JSON` (JSON null = invalid; objects and lists go as velib
wraps them, a{sv} and av), `quit`. Prints `ready` once
registered and `set PATH` after each change has been signalled.
"""
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = 'com.victronenergy.BusItem'
INVALID = dbus.Array([], signature=dbus.Signature('i'), variant_level=1)


def wrap(v, nested=False):
    if v is None:
        return INVALID
    if isinstance(v, bool):
        # Inside a list or dict a bool stays a bool, as velib's wrap_dbus_value sends it.
        return dbus.Boolean(v, variant_level=1) if nested else dbus.Int32(int(v), variant_level=1)
    if isinstance(v, dict):
        return dbus.Dictionary({k: wrap(x, True) for k, x in v.items()}, signature='sv', variant_level=1)
    if isinstance(v, list):
        if not v:
            return dbus.Array([], signature=dbus.Signature('u'), variant_level=1)
        return dbus.Array([wrap(x, True) for x in v], signature='v', variant_level=1)
    if isinstance(v, int):
        return dbus.Int32(v, variant_level=1) if -2**31 <= v < 2**31 else dbus.Int64(v, variant_level=1)
    if isinstance(v, float):
        return dbus.Double(v, variant_level=1)
    return dbus.String(str(v), variant_level=1)


def text(v):
    return '---' if v is None else str(v)


class Item(dbus.service.Object):
    def __init__(self, bus, path, store):
        super().__init__(bus, path)
        self.path, self.store = path, store

    @dbus.service.method(IFACE, out_signature='v')
    def GetValue(self):
        return wrap(self.store[self.path])

    @dbus.service.method(IFACE, out_signature='s')
    def GetText(self):
        return text(self.store[self.path])

    @dbus.service.method(IFACE, in_signature='v', out_signature='i')
    def SetValue(self, v):
        return 1

    @dbus.service.signal(IFACE, signature='a{sv}')
    def PropertiesChanged(self, changes):
        pass


class Node(dbus.service.Object):
    def __init__(self, bus, path, store, getitems):
        super().__init__(bus, path)
        self.path, self.store, self.getitems = path, store, getitems

    @dbus.service.method(IFACE, out_signature='v')
    def GetValue(self):
        px = self.path if self.path.endswith('/') else self.path + '/'
        return dbus.Dictionary({p[len(px):]: wrap(v) for p, v in self.store.items() if p.startswith(px)},
                               signature='sv', variant_level=1)

    @dbus.service.method(IFACE, out_signature='a{sa{sv}}')
    def GetItems(self):
        if not self.getitems or self.path != '/':
            raise dbus.exceptions.DBusException('no GetItems here', name='org.freedesktop.DBus.Error.UnknownMethod')
        return {p: {'Value': wrap(v), 'Text': text(v)} for p, v in self.store.items()}

    @dbus.service.signal(IFACE, signature='a{sa{sv}}')
    def ItemsChanged(self, changes):
        pass


def main():
    DBusGMainLoop(set_as_default=True)
    address, name = sys.argv[1], sys.argv[2]
    getitems = '--no-getitems' not in sys.argv
    bus = dbus.bus.BusConnection(address)
    store = {
        '/Mgmt/ProcessName': 'fake_venus_service.py', '/Mgmt/ProcessVersion': '1.0', '/Mgmt/Connection': 'test',
        '/DeviceInstance': 7, '/ProductId': 0xA3E5, '/ProductName': 'Test battery', '/FirmwareVersion': 0x0101,
        '/HardwareVersion': None, '/Connected': 1,
        '/Dc/0/Voltage': 52.1, '/Dc/0/Current': -3.5, '/Soc': 81.5, '/Info/MaxChargeVoltage': None,
    }
    items, nodes = {}, {'/': Node(bus, '/', store, getitems)}
    for p in store:
        items[p] = Item(bus, p, store)
        parts = p.split('/')
        for i in range(2, len(parts)):
            sub = '/'.join(parts[:i])
            if sub not in nodes:
                nodes[sub] = Node(bus, sub, store, getitems)
    bus_name = dbus.service.BusName(name, bus, do_not_queue=True)
    print('ready', flush=True)

    def on_stdin(src, cond):
        line = sys.stdin.readline()
        if not line or line.strip() == 'quit':
            loop.quit()
            return False
        cmd, path, raw = (line.strip().split(' ', 2) + ['', ''])[:3]
        if cmd == 'set':
            v = json.loads(raw)
            store[path] = v
            if path not in items:
                items[path] = Item(bus, path, store)
            nodes['/'].ItemsChanged({path: {'Value': wrap(v), 'Text': text(v)}})
            items[path].PropertiesChanged({'Value': wrap(v), 'Text': text(v)})
            print('set ' + path, flush=True)
        return True

    loop = GLib.MainLoop()
    GLib.io_add_watch(sys.stdin, GLib.IO_IN | GLib.IO_HUP, on_stdin)
    loop.run()
    del bus_name


if __name__ == '__main__':
    main()
