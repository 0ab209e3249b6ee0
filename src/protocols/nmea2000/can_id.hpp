// SPDX-License-Identifier: MIT
#pragma once
/// The 29-bit ISO 11783 / NMEA 2000 identifier: prio(3) | EDP(1) | DP(1) | PF(8) | PS(8) | SA(8)
/// (nmea2000.md §1). PDU1 (PF < 240) carries the destination in PS; PDU2 is always broadcast.

#include <cstdint>

#include "core/result.hpp"

namespace gxlink::nmea2000 {

inline constexpr std::uint8_t kBroadcast = 0xFF;
inline constexpr std::uint8_t kNullAddress = 0xFE;  ///< "cannot claim" / fixed-address fallback
inline constexpr std::uint8_t kMaxAddress = 251;

struct N2kId {
  std::uint8_t prio = 6;
  std::uint32_t pgn = 0;
  std::uint8_t src = 0;
  std::uint8_t dst = kBroadcast;
  friend bool operator==(const N2kId&, const N2kId&) = default;
};

constexpr bool is_pdu1(std::uint32_t pgn) noexcept { return ((pgn >> 8) & 0xFF) < 240; }

/// Splits a 29-bit id. The EFF flag (0x80000000) and error bits above bit 28 are ignored.
constexpr N2kId decode_can_id(std::uint32_t id) noexcept {
  id &= 0x1FFFFFFF;
  N2kId n;
  const std::uint32_t pf = (id >> 16) & 0xFF;
  const std::uint32_t ps = (id >> 8) & 0xFF;
  const std::uint32_t dp = (id >> 24) & 0x3;  // EDP + DP, as canboat does
  n.prio = static_cast<std::uint8_t>((id >> 26) & 0x7);
  n.src = static_cast<std::uint8_t>(id & 0xFF);
  if (pf < 240) {
    n.dst = static_cast<std::uint8_t>(ps);
    n.pgn = (dp << 16) | (pf << 8);
  } else {
    n.dst = kBroadcast;
    n.pgn = (dp << 16) | (pf << 8) | ps;
  }
  return n;
}

/// Builds the 29-bit id. A PDU1 PGN must have a zero low byte (the low byte is the destination);
/// a PDU2 message cannot be addressed.
inline Result<std::uint32_t> encode_can_id(const N2kId& n) noexcept {
  if (n.prio > 7) return fail(Errc::kOutOfRange, "priority above 7");
  if (n.pgn > 0x3FFFF) return fail(Errc::kOutOfRange, "PGN above 18 bits");
  std::uint32_t id = (static_cast<std::uint32_t>(n.prio) << 26) | (n.pgn << 8) | n.src;
  if (is_pdu1(n.pgn)) {
    if ((n.pgn & 0xFF) != 0) return fail(Errc::kOutOfRange, "PDU1 PGN with a non-zero low byte");
    id |= static_cast<std::uint32_t>(n.dst) << 8;
  } else if (n.dst != kBroadcast) {
    return fail(Errc::kOutOfRange, "PDU2 PGN cannot be addressed");
  }
  return id;
}

}  // namespace gxlink::nmea2000
