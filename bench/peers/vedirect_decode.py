#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The same straightforward Python VE.Direct parser as vedirect_text.py, as a command line tool
that does what `gxlink decode vedirect FILE` does: one JSON line per checksum-valid TEXT block
(fields as sent) and per HEX frame, to stdout. The peer for bench/decode_vs_python.sh, so that
both sides do the same work end to end: read, frame, check, write JSON.
"""
import json
import sys


def decode(data, out):
    state = "start"
    saved = None
    checksum = 0
    label = bytearray()
    value = bytearray()
    hexframe = bytearray()
    fields = {}
    for b in data:
        if state == "hex":
            if b == 0x0A:
                out.write(json.dumps({"kind": "hex", "raw": hexframe.decode("latin-1").rstrip()}))
                out.write("\n")
                state = saved
            else:
                hexframe.append(b)
            continue
        if b == 0x3A and state != "checksum":  # ':' starts a HEX frame except as the checksum
            saved = state
            state = "hex"
            hexframe = bytearray(b":")
            continue
        checksum = (checksum + b) & 0xFF
        if state == "start":
            state = "label" if b == 0x0A else "start"
            label = bytearray()
        elif state == "label":
            if b == 0x09:
                if label == b"Checksum":
                    state = "checksum"
                else:
                    state = "value"
                    value = bytearray()
            elif b not in (0x0D, 0x0A):
                label.append(b)
        elif state == "value":
            if b == 0x0D:
                fields[label.decode("latin-1")] = value.decode("latin-1")
                state = "start"
            else:
                value.append(b)
        elif state == "checksum":
            if checksum == 0:
                out.write(json.dumps({"kind": "text", "fields": fields}))
                out.write("\n")
            fields = {}
            checksum = 0
            state = "start"


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    decode(data, sys.stdout)


if __name__ == "__main__":
    main()
