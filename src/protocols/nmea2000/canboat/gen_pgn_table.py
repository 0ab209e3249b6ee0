#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates src/protocols/nmea2000/pgn_table_canboat.cpp from canboat's PGN database.

canboat's `canboat.json` (Apache-2.0, shipped in the npm package @canboat/ts-pgns, which
tests/peers/node/package.json pins and scripts/setup.d/node_peers.sh installs) is the field's maintained description of NMEA 2000
PGNs: field names, bit layout, resolution, units and lookups. We read it as data instead of
hand-typing PGNs (issue 13, conformance 8).

The output is committed, not generated during the build: gxlink must build for ARM and on
machines without Node.js or the npm registry (Venus OS, Debian cross builds), and a data change
should show up as a reviewable diff. `tests/unit/nmea2000/canboat_table_test` regenerates it from
the installed package and fails when the committed copy differs, so the pin and the file cannot
drift apart silently.

Scope: PGN variants whose every field has a type our table-driven codec reads (numbers, lookups,
bit lookups, durations, times, dates, fixed and variable-length strings (STRING_LAU, STRING_LZ),
ISO NAMEs, floats, BCD decimals, binary, PGN numbers, reserved and spare bits), with at most one repeating field set at
the end (without a count field it repeats to the end of the payload, as canboat reads it). A field after a variable-length string has no fixed position: it is emitted with bit
offset kAfterPrevious (0xFFFF) and the codec places it right after the previous field. Variants
with other variable-length fields, two repeating sets or dynamic fields are listed as skipped in
the output's header; the hand-written table in pgn_table.cpp keeps precedence for every PGN it
has.

Usage: gen_pgn_table.py CANBOAT_JSON PACKAGE_JSON OUT_CPP
"""
import json
import sys

SUPPORTED = {
    "NUMBER": "kNumber",
    "LOOKUP": "kLookup",
    "RESERVED": "kReserved",
    "SPARE": "kSpare",
    "BINARY": "kBinary",
    "DURATION": "kDuration",
    "TIME": "kDuration",  # seconds since midnight: SI seconds, like durations
    "DATE": "kDate",      # days since 1970-01-01
    "STRING_FIX": "kStringFix",
    "PGN": "kPgn",
    "MMSI": "kNumber",
    "BITLOOKUP": "kBitLookup",
    "ISO_NAME": "kIsoName",
    "STRING_LAU": "kStringLau",  # length byte (counting itself and the control byte), control, text
    "STRING_LZ": "kStringLz",    # length byte, text, terminating zero
    "FLOAT": "kFloat",
    "DECIMAL": "kDecimal",
}
# Field types whose length comes from the payload.
VARIABLE = {"STRING_LAU", "STRING_LZ"}
AFTER_PREVIOUS = 0xFFFF


def cpp_string(s):
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def cpp_double(x):
    r = repr(float(x))
    return r if ("e" in r or "." in r or "inf" in r or "nan" in r) else r + ".0"


def skip_reason(p):
    fields = p.get("Fields", [])
    if p.get("Fallback"):
        return "fallback (range placeholder)"
    if not fields:
        return "no fields"
    for f in fields:
        if f["FieldType"] not in SUPPORTED:
            return "field type " + f["FieldType"]
        if "BitLength" not in f and f["FieldType"] not in VARIABLE:
            return "variable-length field " + f["Id"]
        if f["FieldType"] == "LOOKUP" and not f.get("LookupEnumeration"):
            return "lookup without enumeration"
        if f["FieldType"] == "BITLOOKUP" and not f.get("LookupBitEnumeration"):
            return "bit lookup without enumeration"
    if p.get("RepeatingFieldSet2Size"):
        return "two repeating field sets"
    size = p.get("RepeatingFieldSet1Size", 0)
    if size:
        start = p.get("RepeatingFieldSet1StartField", 0)
        if start + size - 1 != len(fields):
            return "repeating set not at the end"
    return None


def main():
    canboat_path, package_path, out_path = sys.argv[1:4]
    with open(canboat_path, encoding="utf-8") as f:
        db = json.load(f)
    with open(package_path, encoding="utf-8") as f:
        package = json.load(f)
    lookups = {e["Name"]: e for e in db["LookupEnumerations"]}
    bit_lookups = {e["Name"]: e for e in db["LookupBitEnumerations"]}

    def lookup_key(f):
        if f["FieldType"] == "LOOKUP":
            return ("value", f["LookupEnumeration"])
        if f["FieldType"] == "BITLOOKUP":
            return ("bit", f["LookupBitEnumeration"])
        return None

    emitted, skipped, used = [], [], []
    for p in db["PGNs"]:
        reason = skip_reason(p)
        if reason:
            skipped.append((p["PGN"], p["Id"], reason))
            continue
        emitted.append(p)
        for f in p["Fields"]:
            key = lookup_key(f)
            if key and key not in used:
                used.append(key)
    # canboat lists variants of one PGN in order, the specific (matched) ones first; keep that
    # order within a PGN and sort by PGN number for binary search.
    emitted.sort(key=lambda p: p["PGN"])

    w = []
    w.append("// SPDX-License-Identifier: MIT")
    w.append("// GENERATED by src/protocols/nmea2000/canboat/gen_pgn_table.py: do not edit.")
    w.append("// Source: canboat.json from @canboat/ts-pgns %s (canboat database %s)," % (
        package["version"], db.get("Version", "?")))
    for line in (db.get("Copyright", "") + "\n" + db.get("License", "")).strip().splitlines():
        w.append(("// " + line).rstrip())
    w.append("// %d PGN variants generated, %d skipped:" % (len(emitted), len(skipped)))
    for pgn, ident, reason in skipped:
        w.append("//   %d %s: %s" % (pgn, ident, reason))
    w.append("// clang-format off")
    w.append('#include "protocols/nmea2000/pgn_table_canboat.hpp"')
    w.append("")
    w.append("namespace gxlink::nmea2000 {")
    w.append("namespace {")
    w.append("")
    index = {}
    for i, key in enumerate(used):
        kind, name = key
        index[key] = i
        if kind == "value":
            entries = ", ".join("{%d, %s}" % (v["Value"], cpp_string(v["Name"]))
                                for v in lookups[name]["EnumValues"])
        else:  # a bit lookup: the entry's value is the bit number
            entries = ", ".join("{%d, %s}" % (v["Bit"], cpp_string(v["Name"]))
                                for v in bit_lookups[name]["EnumBitValues"])
        w.append("constexpr LookupEntry kE%d[] = {%s};" % (i, entries))
        w.append("constexpr Lookup kL%d{%s, kE%d};" % (i, cpp_string(name), i))
    w.append("")
    for n, p in enumerate(emitted):
        w.append("constexpr Field kF%d[] = {" % n)
        for f in p["Fields"]:
            key = lookup_key(f)
            lookup = "&kL%d" % index[key] if key else "nullptr"
            match = f.get("Match", -1)
            # A variable-length string has no BitLength (0 here); STRING_LZ fields may carry their
            # maximum, which the codec does not need: the length byte decides.
            bits = 0 if f["FieldType"] in VARIABLE else f["BitLength"]
            w.append("    {%s, %s, %d, %d, %s, %s, %s, %s, FieldType::%s, %s, %d, %s}," % (
                cpp_string(f["Name"]), cpp_string(f["Id"]), f.get("BitOffset", AFTER_PREVIOUS), bits,
                "true" if f.get("Signed") else "false", cpp_double(f.get("Resolution", 1)),
                cpp_double(f.get("Offset", 0)), cpp_string(f.get("Unit", "")),
                SUPPORTED[f["FieldType"]], lookup, match,
                # An ISO NAME is an identifier: every value is a value (nmea2000.md §3).
                "true" if f["FieldType"] == "ISO_NAME" else "false"))
        w.append("};")
    w.append("")
    w.append("constexpr PgnDesc kTable[] = {")
    for n, p in enumerate(emitted):
        length = p.get("Length", 0)
        w.append("    {%d, %s, %s, %s, %d, %d, %d, kF%d, %d, %d, %d}," % (
            p["PGN"], cpp_string(p["Id"]), cpp_string(p["Description"]),
            "true" if p.get("Type") == "Fast" else "false", p.get("Priority", 6),
            p.get("MinLength", length or 0), length, n, p.get("RepeatingFieldSet1Size", 0),
            p.get("RepeatingFieldSet1CountField", 0), p.get("TransmissionInterval", 0)))
    w.append("};")
    w.append("")
    w.append("}  // namespace")
    w.append("")
    w.append("std::span<const PgnDesc> canboat_pgn_table() noexcept { return kTable; }")
    w.append("std::string_view canboat_version() noexcept { return %s; }" % cpp_string(
        "@canboat/ts-pgns " + package["version"]))
    w.append("")
    w.append("}  // namespace gxlink::nmea2000")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(w) + "\n")


if __name__ == "__main__":
    main()
