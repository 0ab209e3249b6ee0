#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A hostile com.victronenergy service for gxlink's importer tests (issue 11 item 7): GetItems on
`/` answers with a huge path set, paths that are not object paths, oversized strings and arrays, and
values that are no BusItem value at all (structs, dicts, nested arrays). Only `/` exists as an
object: the importer reads everything through GetItems.

  rogue_venus_service.py ADDRESS SERVICE_NAME PATHS

Commands on stdin, each answered with one line once sent:
  flood N     ItemsChanged with N new paths and bad entries, then /Soc = 42   -> `flooded`
  badsig      ItemsChanged / PropertiesChanged with wrong body signatures     -> `sent`
  set PATH V  ItemsChanged for one path (V is JSON)                           -> `set PATH`
  quit
"""
import json
import sys

import dbus
import dbus.lowlevel
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = 'com.victronenergy.BusItem'


def v(x, sig=None):
    if isinstance(x, float):
        return dbus.Double(x, variant_level=1)
    if isinstance(x, int):
        return dbus.Int32(x, variant_level=1)
    return dbus.String(x, variant_level=1)


def bad_entries():
    """Paths and values the importer must refuse or bound."""
    items = {}
    for p in ['', 'noslash', '//Double', '/Trailing/', '/Bad-Char', '/Sp ace', '/' + 'L' * 300,
              '/a' * 40]:
        items[p] = {'Value': v(1), 'Text': '1'}
    items['/Big/String'] = {'Value': v('\u00fc' * (512 * 1024)), 'Text': 'big'}  # 1 MiB of 2-byte chars
    items['/Big/Array'] = {'Value': dbus.Array(range(100000), signature='i', variant_level=1)}
    items['/Big/StringArray'] = {'Value': dbus.Array(['x' * 1000] * 100, signature='s', variant_level=1)}
    items['/Bad/Struct'] = {'Value': dbus.Struct((1, 'a'), signature='is', variant_level=1)}
    # A dict is a structured value since issue 12 (Venus' system service publishes a{sv}).
    items['/Good/Dict'] = {'Value': dbus.Dictionary({'a': v(1)}, signature='sv', variant_level=1)}
    items['/Bad/Nested'] = {'Value': dbus.Array([dbus.Array([1], signature='i')], signature='ai',
                                                variant_level=1)}
    items['/Bad/VariantInVariant'] = {'Value': dbus.Int32(3, variant_level=2)}
    items['/Bad/NoValue'] = {'Text': 'no value here'}
    items['/Good/Array'] = {'Value': dbus.Array([1, 2, 3], signature='i', variant_level=1)}
    return items


class Root(dbus.service.Object):
    def __init__(self, bus, n):
        super().__init__(bus, '/')
        self.items = {
            '/Mgmt/ProcessName': {'Value': v('rogue'), 'Text': 'rogue'},
            '/Mgmt/ProcessVersion': {'Value': v('6.6.6'), 'Text': '6.6.6'},
            '/Mgmt/Connection': {'Value': v('nowhere'), 'Text': 'nowhere'},
            '/DeviceInstance': {'Value': v(66), 'Text': '66'},
            '/ProductName': {'Value': v('Rogue'), 'Text': 'Rogue'},
            '/Connected': {'Value': v(1), 'Text': '1'},
            '/Soc': {'Value': v(50.0), 'Text': '50'},
        }
        self.items.update(bad_entries())
        for i in range(n):
            self.items['/Junk/%d/Value' % i] = {'Value': v(i), 'Text': str(i)}

    @dbus.service.method(IFACE, out_signature='a{sa{sv}}')
    def GetItems(self):
        return self.items


def main():
    DBusGMainLoop(set_as_default=True)
    address, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    bus = dbus.bus.BusConnection(address)
    root = Root(bus, n)
    bus_name = dbus.service.BusName(name, bus, do_not_queue=True)
    print('ready', flush=True)

    def signal(path, member, sig, *args):
        m = dbus.lowlevel.SignalMessage(path, IFACE, member)
        m.append(*args, signature=sig)
        bus.send_message(m)

    def on_stdin(src, cond):
        line = sys.stdin.readline()
        if not line or line.strip() == 'quit':
            loop.quit()
            return False
        cmd, arg, raw = (line.strip().split(' ', 2) + ['', ''])[:3]
        if cmd == 'flood':
            changes = {'/Flood/%d' % i: {'Value': v(i), 'Text': str(i)} for i in range(int(arg))}
            changes.update(bad_entries())
            signal('/', 'ItemsChanged', 'a{sa{sv}}', changes)
            signal('/', 'ItemsChanged', 'a{sa{sv}}', {'/Soc': {'Value': v(42.0), 'Text': '42'}})
            print('flooded', flush=True)
        elif cmd == 'badsig':
            signal('/', 'ItemsChanged', 's', 'not a dict')
            signal('/', 'ItemsChanged', 'a{sv}', {'/Soc': v(1.0)})
            signal('/', 'ItemsChanged', 'a{sa{ss}}', {'/Soc': {'Value': '1'}})
            signal('/Soc', 'PropertiesChanged', 'as', ['Value'])
            signal('/Soc', 'PropertiesChanged', 'a{sv}',
                   {'Value': dbus.Struct((1, 2), signature='ii', variant_level=1)})
            signal('/Soc', 'PropertiesChanged', 'a{sv}',
                   {'Value': dbus.Array(range(100000), signature='i', variant_level=1)})
            signal('/' + 'Deep/' * 30 + 'X', 'PropertiesChanged', 'a{sv}', {'Value': v(1)})
            print('sent', flush=True)
        elif cmd == 'set':
            signal('/', 'ItemsChanged', 'a{sa{sv}}', {arg: {'Value': v(json.loads(raw)), 'Text': raw}})
            print('set ' + arg, flush=True)
        return True

    loop = GLib.MainLoop()
    GLib.io_add_watch(sys.stdin, GLib.IO_IN | GLib.IO_HUP, on_stdin)
    loop.run()
    del bus_name, root


if __name__ == '__main__':
    main()
