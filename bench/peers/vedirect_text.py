#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A straightforward Python VE.Direct TEXT parser, the peer for bench/vedirect_vs_python.sh.

Written the way Python users usually write it (a byte-driven state machine, as in the karioja
parser style described in vedirect_vebus.md 1.3): checksum over every byte except async HEX frames,
fields collected in a dict, numbers turned into ints. Prints blocks, bad blocks, hex frames, MB/s.
"""
import sys
import time


def parse(data):
    blocks = bad = hexes = 0
    state = "start"
    saved = None
    checksum = 0
    label = bytearray()
    value = bytearray()
    fields = {}
    for b in data:
        if state == "hex":
            if b == 0x0A:
                hexes += 1
                state = saved
            continue
        if b == 0x3A and state != "checksum":  # ':' starts a HEX frame except as the checksum
            saved = state
            state = "hex"
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
                key = label.decode("ascii", "replace")
                text = value.decode("ascii", "replace")
                try:
                    fields[key] = int(text, 0) if text.startswith("0x") else int(text)
                except ValueError:
                    fields[key] = text
                state = "start"
            else:
                value.append(b)
        elif state == "checksum":
            if checksum == 0:
                blocks += 1
            else:
                bad += 1
            fields = {}
            checksum = 0
            state = "start"
    return blocks, bad, hexes


def main():
    data = open(sys.argv[1], "rb").read()
    t0 = time.process_time()
    blocks, bad, hexes = parse(data)
    dt = time.process_time() - t0
    print(f"blocks={blocks} bad={bad} hex={hexes} bytes={len(data)} seconds={dt:.3f} "
          f"mbps={len(data) / dt / 1e6:.3f}")


if __name__ == "__main__":
    main()
