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
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
