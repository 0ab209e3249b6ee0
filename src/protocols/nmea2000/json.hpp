// SPDX-License-Identifier: MIT
#pragma once
/// JSON text for decoded messages, in the shape canboat -json / canboatjs print (DESIGN.md
/// `gxlink decode nmea2000`): `"fields":{"<canboat Name>":value,…}` with SI numbers, lookup
/// names as strings, not-available fields omitted, repeating sets as `"list":[{…}]`.
/// Pure formatting into a caller-owned string or JsonBuffer (no I/O).

#include <string>

#include "core/bytes.hpp"
#include "core/json_writer.hpp"
#include "protocols/nmea2000/codec.hpp"

namespace gxlink::nmea2000 {

/// Appends `{…}` (the fields object) for a decoded message. `pgn` and `payload` are used for the
/// PGNs with a special layout (61184 Victron VREG, 126208 parameter pairs).
/// `Out` is a std::string or a JsonBuffer (the decoder's batch).
template <class Out>
void append_fields_json(std::uint32_t pgn, ByteView payload, const Decoded& d, Out& out);
extern template void append_fields_json(std::uint32_t, ByteView, const Decoded&, std::string&);
extern template void append_fields_json(std::uint32_t, ByteView, const Decoded&, JsonBuffer&);

// Numbers and strings are written by the one JSON writer every decoder shares.
using ::gxlink::append_json_number;
using ::gxlink::append_json_string;

}  // namespace gxlink::nmea2000
