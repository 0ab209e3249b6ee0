#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A real slcan peer for gxlink's tests, built on python-can (Debian python3-can).

  slcan_peer.py battery  PORT SECONDS   acts as a managed battery: sends 0x351/0x355/0x356/0x35A/0x35E
                                        every 200 ms and reports the GX frames (0x305/0x307) it receives
  slcan_peer.py inverter PORT SECONDS   acts as an inverter: sends 0x305/0x307 every 500 ms and decodes
                                        the BMS frames it receives with its own struct layouts

Prints one JSON object on stdout at the end. Decoding here is independent of gxlink's codec: it
follows the seed table (seeds/001 section 2) with struct.unpack.
"""
import json
import struct
import sys
import time

import can


def main():
    role, port, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    bus = can.interface.Bus(interface="slcan", channel=port, bitrate=500000, sleep_after_open=0)
    start = time.time()
    out = {"role": role, "received": {}, "limits": [], "sent": 0}
    next_send = start
    try:
        while time.time() - start < seconds:
            now = time.time()
            if now >= next_send:
                if role == "battery":
                    frames = [
                        (0x351, struct.pack("<HHHH", 568, 1000, 1500, 460)),  # 56.8 V, 100 A, 150 A, 46 V
                        (0x355, struct.pack("<HHH", 77, 96, 7712)),
                        (0x356, struct.pack("<hhh", 5321, -123, 254)),        # 53.21 V, -12.3 A, 25.4 C
                        (0x35A, bytes([0xA4, 0xAA, 0xAA, 0x02, 0xA8, 0xAA, 0xAA, 0x02])),  # high V alarm
                        (0x35E, b"PEERBAT\x00"),
                        (0x354, bytes(8)),                                    # unknown id: ignored
                    ]
                    next_send += 0.2
                else:
                    frames = [(0x305, bytes(8)), (0x307, bytes([0x12, 0x34, 0x56, 0x78]) + b"VIC\x00")]
                    next_send += 0.5
                for arb, data in frames:
                    bus.send(can.Message(arbitration_id=arb, data=data, is_extended_id=False))
                    out["sent"] += 1
            msg = bus.recv(0.02)
            if msg is None or msg.is_extended_id:
                continue
            t = round(msg.timestamp - start, 3)
            key = "0x%03X" % msg.arbitration_id
            d = bytes(msg.data)
            entry = out["received"].setdefault(key, {"count": 0, "last": None, "first_t": t})
            entry["count"] += 1
            entry["last_t"] = t
            if msg.arbitration_id == 0x351 and len(d) >= 6:
                cvl, ccl, dcl = struct.unpack_from("<HHH", d)
                out["limits"].append({"t": t, "cvl": cvl / 10, "ccl": ccl / 10, "dcl": dcl / 10})
                entry["last"] = {"cvl": cvl / 10, "ccl": ccl / 10, "dcl": dcl / 10}
            elif msg.arbitration_id == 0x355 and len(d) >= 4:
                soc, soh = struct.unpack_from("<HH", d)
                entry["last"] = {"soc": soc, "soh": soh}
            elif msg.arbitration_id == 0x356 and len(d) >= 6:
                v, i, temp = struct.unpack_from("<hhh", d)
                entry["last"] = {"voltage": v / 100, "current": i / 10, "temperature": temp / 10}
            elif msg.arbitration_id in (0x35E, 0x307):
                entry["last"] = {"text": d.decode("ascii", "replace").rstrip("\x00"), "hex": d.hex()}
            else:
                entry["last"] = {"hex": d.hex()}
    finally:
        out["duration"] = round(time.time() - start, 3)
        bus.shutdown()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
