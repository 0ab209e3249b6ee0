#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A Venus-style D-Bus consumer for gxlink's integration tests (python3-dbus, like velib and
dbus-spy). Prints JSON on stdout. Values are shown with their D-Bus signature so that the tests
can check the encoding: {"v": <python value or null>, "sig": "ai"}.

  busclient.py ADDRESS names
  busclient.py ADDRESS getitems SERVICE
  busclient.py ADDRESS getvalue SERVICE PATH
  busclient.py ADDRESS gettext SERVICE PATH
  busclient.py ADDRESS setvalue SERVICE PATH TYPE VALUE     (TYPE: i, d, s; S: VALUE times 'x')
  busclient.py ADDRESS setmany SERVICE PATH TYPE VALUE N    (N SetValue calls; JSON list of codes)
  busclient.py ADDRESS introspect SERVICE PATH
  busclient.py ADDRESS own NAME                             (request a name; prints the reply code)
  busclient.py ADDRESS watch SERVICE SECONDS                (JSON lines: one per signal, flushed)
  busclient.py ADDRESS scan SECONDS PATH...                  (see scan_on_appear)
"""
import json
import sys
import time

import dbus

IFACE = 'com.victronenergy.BusItem'


def sig_of(v):
    if isinstance(v, dbus.Array):
        return 'a' + (v.signature or '?')
    if isinstance(v, dbus.Dictionary):
        return 'a{' + (v.signature or '??') + '}'
    return {dbus.Int32: 'i', dbus.Int64: 'x', dbus.UInt32: 'u', dbus.Double: 'd', dbus.String: 's',
            dbus.Boolean: 'b', dbus.Byte: 'y', dbus.Int16: 'n', dbus.UInt16: 'q'}.get(type(v), '?')


def plain(v):
    if isinstance(v, dbus.Dictionary):
        return {str(k): enc(x) for k, x in v.items()}
    if isinstance(v, dbus.Array):
        if len(v) == 0 and v.signature == 'i':
            return None  # Venus' invalid
        return [plain(x) for x in v]
    if isinstance(v, dbus.String):
        return str(v)
    if isinstance(v, dbus.Double):
        return float(v)
    if isinstance(v, (dbus.Int32, dbus.Int64, dbus.UInt32, dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Boolean)):
        return int(v)
    return v


def enc(v):
    return {'v': plain(v), 'sig': sig_of(v)}


def scan_on_appear(address, seconds, probe_paths):
    """What a Venus client that scans a service once sees (issue 13, conformance 1): as soon as a
    com.victronenergy.* name appears (NameOwnerChanged), GetItems on / and GetValue on each of
    probe_paths that the service type should have. After `seconds`, GetItems again. Prints
    "ready" when listening, then one JSON object {service: {"at_appear": [paths], "late": [paths],
    "getvalue": {path: "ok" or the D-Bus error name}}}."""
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    seen = {}

    def on_owner(name, old, new):
        name = str(name)
        if not name.startswith('com.victronenergy.') or not new or name in seen:
            return
        entry = {'at_appear': [], 'late': [], 'getvalue': {}}
        seen[name] = entry
        try:
            items = bus.get_object(name, '/').GetItems(dbus_interface=IFACE)
            entry['at_appear'] = sorted(str(p) for p in items.keys())
        except dbus.exceptions.DBusException as e:
            entry['getitems_error'] = e.get_dbus_name()
        for p in probe_paths:
            try:
                bus.get_object(name, p).GetValue(dbus_interface=IFACE)
                entry['getvalue'][p] = 'ok'
            except dbus.exceptions.DBusException as e:
                entry['getvalue'][p] = e.get_dbus_name()

    bus.add_signal_receiver(on_owner, signal_name='NameOwnerChanged',
                            dbus_interface='org.freedesktop.DBus', path='/org/freedesktop/DBus')
    loop = GLib.MainLoop()
    print('ready', flush=True)
    GLib.timeout_add(int(float(seconds) * 1000), loop.quit)
    loop.run()
    for name, entry in seen.items():
        try:
            items = bus.get_object(name, '/').GetItems(dbus_interface=IFACE)
            first = set(entry['at_appear'])
            entry['late'] = sorted(str(p) for p in items.keys() if str(p) not in first)
        except dbus.exceptions.DBusException as e:
            entry['final_error'] = e.get_dbus_name()
    print(json.dumps(seen), flush=True)


def main():
    address, cmd = sys.argv[1], sys.argv[2]
    bus = dbus.bus.BusConnection(address)
    if cmd == 'names':
        print(json.dumps([str(n) for n in bus.list_names()]))
    elif cmd == 'getitems':
        items = bus.get_object(sys.argv[3], '/').GetItems(dbus_interface=IFACE)
        print(json.dumps({str(p): {str(k): enc(x) for k, x in d.items()} for p, d in items.items()}))
    elif cmd == 'getvalue':
        print(json.dumps(enc(bus.get_object(sys.argv[3], sys.argv[4]).GetValue(dbus_interface=IFACE))))
    elif cmd == 'gettext':
        print(json.dumps(enc(bus.get_object(sys.argv[3], sys.argv[4]).GetText(dbus_interface=IFACE))))
    elif cmd in ('setvalue', 'setmany'):
        t, raw = sys.argv[5], sys.argv[6]
        val = {'i': lambda s: dbus.Int32(int(s)), 'd': lambda s: dbus.Double(float(s)),
               's': dbus.String, 'S': lambda s: dbus.String('x' * int(s))}[t](raw)
        obj = bus.get_object(sys.argv[3], sys.argv[4])
        if cmd == 'setvalue':
            print(json.dumps(int(obj.SetValue(val, dbus_interface=IFACE))))
        else:
            print(json.dumps([int(obj.SetValue(val, dbus_interface=IFACE)) for _ in range(int(sys.argv[7]))]))
    elif cmd == 'own':
        print(json.dumps(int(bus.request_name(sys.argv[3], dbus.bus.NAME_FLAG_DO_NOT_QUEUE))))
    elif cmd == 'introspect':
        print(json.dumps(str(bus.get_object(sys.argv[3], sys.argv[4]).Introspect(
            dbus_interface='org.freedesktop.DBus.Introspectable'))))
    elif cmd == 'watch':
        from dbus.mainloop.glib import DBusGMainLoop
        from gi.repository import GLib
        DBusGMainLoop(set_as_default=True)
        bus = dbus.bus.BusConnection(address)
        owner = bus.get_name_owner(sys.argv[3])
        loop = GLib.MainLoop()

        def on_signal(*args, **kw):
            member, path = kw['member'], kw['path']
            body = args[0]
            if member == 'ItemsChanged':
                out = {str(p): {str(k): enc(x) for k, x in d.items()} for p, d in body.items()}
            else:
                out = {str(k): enc(x) for k, x in body.items()}
            print(json.dumps({'t': time.time(), 'member': member, 'path': path, 'body': out}), flush=True)

        bus.add_signal_receiver(on_signal, dbus_interface=IFACE, sender_keyword='sender', member_keyword='member',
                                path_keyword='path', bus_name=owner)
        print(json.dumps({'t': time.time(), 'member': 'ready'}), flush=True)
        GLib.timeout_add(int(float(sys.argv[4]) * 1000), loop.quit)
        loop.run()
    elif cmd == 'scan':
        scan_on_appear(address, sys.argv[3], sys.argv[4:])
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
