// SPDX-License-Identifier: MIT
#pragma once
/// Text from devices becomes valid UTF-8 here, at the boundary (issue 11: one 0xFF byte in a
/// CANopen firmware string made every JSON writer throw and stopped the daemon).
///
/// Devices send strings in whatever encoding their firmware was written in: ASCII mostly,
/// Latin-1 / Windows-1252 in European products ("°C", "Ä"), UTF-8 in newer ones, NUL-padded
/// fixed-width fields everywhere. The rule here is liberal and loss-free where it can be:
///   - a string that is already valid UTF-8 is kept as it is;
///   - otherwise every byte is read as Latin-1 (ISO 8859-1), which maps every byte to one code
///     point, so nothing is dropped and "\xFF.6.0" becomes "ÿ.6.0";
///   - a fixed-width field ends at its first NUL (C-string padding, as CANopen VISIBLE_STRING,
///     NMEA 2000 fixed strings and VE.Direct HEX strings are padded).
/// Nothing here allocates unless the input needs repair.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace gxlink {

/// The length of the longest prefix of `s` that is well-formed UTF-8 (RFC 3629: no overlong
/// forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_valid_prefix(std::string_view s) noexcept;

inline bool is_valid_utf8(std::string_view s) noexcept { return utf8_valid_prefix(s) == s.size(); }

/// Every byte as a Latin-1 code point, in UTF-8.
std::string latin1_to_utf8(std::string_view s);

/// Device text → valid UTF-8 by the rule above. `repaired` (if given) is set to true when the
/// input was not valid UTF-8 and had to be decoded as Latin-1.
std::string device_text(std::string_view raw, bool* repaired = nullptr);
inline std::string device_text(std::span<const std::uint8_t> raw, bool* repaired = nullptr) {
  return device_text(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()),
                     repaired);
}

/// Makes `s` valid UTF-8 in place (Latin-1 for the whole string if it is not); true if it changed.
/// For values that should already be valid but are not trusted (the model's last line of defence).
bool repair_utf8(std::string& s);

/// The longest prefix of `s` of at most `max_bytes` that does not cut a UTF-8 sequence.
std::string_view utf8_truncate(std::string_view s, std::size_t max_bytes) noexcept;

}  // namespace gxlink
