// SPDX-License-Identifier: MIT
#pragma once
/// Byte views and explicit-endian loads/stores. All wire decoding goes through these helpers so
/// that no code reinterpret_casts a struct onto a buffer (STYLE.md rule 4).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace gxlink {

using ByteView = std::span<const std::uint8_t>;
using MutableByteView = std::span<std::uint8_t>;

constexpr std::uint16_t load_le16(ByteView b, std::size_t at = 0) noexcept {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
constexpr std::uint16_t load_be16(ByteView b, std::size_t at = 0) noexcept {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
constexpr std::uint32_t load_le24(ByteView b, std::size_t at = 0) noexcept {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16);
}
constexpr std::uint32_t load_le32(ByteView b, std::size_t at = 0) noexcept {
  return load_le16(b, at) | (static_cast<std::uint32_t>(load_le16(b, at + 2)) << 16);
}
constexpr std::uint32_t load_be32(ByteView b, std::size_t at = 0) noexcept {
  return (static_cast<std::uint32_t>(load_be16(b, at)) << 16) | load_be16(b, at + 2);
}
constexpr std::uint64_t load_le64(ByteView b, std::size_t at = 0) noexcept {
  return load_le32(b, at) | (static_cast<std::uint64_t>(load_le32(b, at + 4)) << 32);
}
constexpr std::int16_t load_le16s(ByteView b, std::size_t at = 0) noexcept {
  return static_cast<std::int16_t>(load_le16(b, at));
}
constexpr std::int32_t load_le32s(ByteView b, std::size_t at = 0) noexcept {
  return static_cast<std::int32_t>(load_le32(b, at));
}

constexpr void store_le16(MutableByteView b, std::size_t at, std::uint16_t v) noexcept {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}
constexpr void store_be16(MutableByteView b, std::size_t at, std::uint16_t v) noexcept {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
constexpr void store_le24(MutableByteView b, std::size_t at, std::uint32_t v) noexcept {
  store_le16(b, at, static_cast<std::uint16_t>(v));
  b[at + 2] = static_cast<std::uint8_t>(v >> 16);
}
constexpr void store_le32(MutableByteView b, std::size_t at, std::uint32_t v) noexcept {
  store_le16(b, at, static_cast<std::uint16_t>(v));
  store_le16(b, at + 2, static_cast<std::uint16_t>(v >> 16));
}
constexpr void store_be32(MutableByteView b, std::size_t at, std::uint32_t v) noexcept {
  store_be16(b, at, static_cast<std::uint16_t>(v >> 16));
  store_be16(b, at + 2, static_cast<std::uint16_t>(v));
}
constexpr void store_le64(MutableByteView b, std::size_t at, std::uint64_t v) noexcept {
  store_le32(b, at, static_cast<std::uint32_t>(v));
  store_le32(b, at + 4, static_cast<std::uint32_t>(v >> 32));
}

/// Extracts `n_bits` (1..64) starting at bit `start_bit` of a little-endian bit field, the way
/// NMEA 2000 and the CAN-bus BMS protocol number their bits (bit 0 = LSB of byte 0).
/// Bits past the end of `b` read as 1, which makes a short frame look "not available" (canboat does
/// the same), so callers check the length first when that matters.
constexpr std::uint64_t extract_bits_le(ByteView b, std::size_t start_bit,
                                        unsigned n_bits) noexcept {
  std::uint64_t out = 0;
  for (unsigned i = 0; i < n_bits; ++i) {
    const std::size_t bit = start_bit + i;
    const std::size_t byte = bit / 8;
    const std::uint64_t v = byte < b.size() ? (b[byte] >> (bit % 8)) & 1u : 1u;
    out |= v << i;
  }
  return out;
}

/// Sign-extends the low `n_bits` of `v`.
constexpr std::int64_t sign_extend(std::uint64_t v, unsigned n_bits) noexcept {
  if (n_bits == 0 || n_bits >= 64) return static_cast<std::int64_t>(v);
  const std::uint64_t m = std::uint64_t{1} << (n_bits - 1);
  v &= (std::uint64_t{1} << n_bits) - 1;
  return static_cast<std::int64_t>((v ^ m) - m);
}

/// A fixed-capacity byte buffer: `std::array` plus a length; no heap per frame.
template <std::size_t N>
struct Frame {
  std::array<std::uint8_t, N> data{};
  std::size_t size = 0;

  ByteView view() const noexcept { return {data.data(), size}; }
  bool push_back(std::uint8_t b) noexcept {
    if (size >= N) return false;
    data[size++] = b;
    return true;
  }
  friend bool operator==(const Frame& a, const Frame& b) noexcept {
    return a.view().size() == b.view().size() &&
           std::equal(a.data.begin(), a.data.begin() + static_cast<std::ptrdiff_t>(a.size),
                      b.data.begin());
  }
};

inline ByteView as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// The value of one hex digit (0-9, A-F, a-f), or -1 for any other character.
constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// Lower-case hex without separators ("dead01").
std::string to_hex(ByteView b);
/// Parses hex digits (whitespace ignored); returns false on an odd count or a non-hex character.
bool from_hex(std::string_view text, std::string& out_bytes);

}  // namespace gxlink
