// SPDX-License-Identifier: MIT
#pragma once
/// Object maps: which object-dictionary entries a driver polls and how each becomes a model value
/// (type, scale, unit, poll interval). Data, not code (STYLE.md rule 12): the SuperB Epsilon V2
/// default below is the seed's verified table (seeds/004, reference/canbms_canopen.md §5.5), and
/// the driver lets a configuration replace it, because the reverse-engineered maps disagree.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace gxlink::canopen {

/// CiA 301 basic data types an object map can name.
enum class DataType { kBool, kU8, kI8, kU16, kI16, kU32, kI32, kU64, kI64, kReal32, kString };

/// Accepts "u8", "uint8", "unsigned8", "i16", "int16", "integer16", "f32", "real32", "string",
/// "visible_string", "bool", "boolean".
std::optional<DataType> parse_data_type(std::string_view s) noexcept;
std::string_view to_string(DataType t) noexcept;
/// Wire size in bytes; 0 for strings (any length).
std::size_t wire_size(DataType t) noexcept;

/// A raw object value: integers widened to 64 bits, REAL32 as double, strings as text.
using ObjectValue = std::variant<std::int64_t, double, std::string>;

/// Strings longer than this are refused (a name or serial number is far shorter).
inline constexpr std::size_t kMaxStringSize = 255;

/// Decodes SDO data as `type`. With `size_known` (the server said the size) any size from 1 up
/// to the type's width is accepted and zero- or sign-extended by type, since servers differ in
/// the width they answer with (a u32 object as 2 bytes); longer, empty, or a REAL32 of other
/// than 4 bytes is kBadLength. Without it (an expedited upload with e=1, s=0: "up to 4 bytes")
/// the type's width is taken from the low bytes. Strings take any length up to kMaxStringSize
/// and drop trailing NULs.
Result<ObjectValue> decode_object(DataType type, ByteView data, bool size_known = true) noexcept;
/// True when decode_object accepted an answer narrower than the type (the driver counts them).
bool is_narrow(DataType type, std::size_t size, bool size_known) noexcept;
/// Encodes an integer for a download (little-endian, the type's size); kOutOfRange if it does not
/// fit.
Result<std::vector<std::uint8_t>> encode_integer(DataType type, std::int64_t v);

struct ObjectSpec {
  std::uint16_t index = 0;
  std::uint8_t sub = 0;
  DataType type = DataType::kU8;
  std::string path;    ///< model path, e.g. "/Dc/0/Voltage"
  double scale = 1.0;  ///< model value = raw × scale
  std::string unit;
  int decimals = -1;
  Duration poll = seconds(1);  ///< how often to read it
  std::string name;            ///< for logs
};

/// raw × scale: an integer stays an integer when the scale is exactly 1, otherwise a double.
ObjectValue scale_value(const ObjectValue& raw, double scale) noexcept;

/// The SuperB Epsilon V2 default (seed 004 "Verified BMS Data", plus 0x6051/0x6052 that need
/// firmware 1.2 and the identity objects).
std::vector<ObjectSpec> superb_epsilon_v2_map();

}  // namespace gxlink::canopen
