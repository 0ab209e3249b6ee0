// SPDX-License-Identifier: MIT
#pragma once
/// gxlink's own CAN frame (classic CAN, DLC <= 8). Transports convert to and from it at the
/// boundary (SocketCAN `struct can_frame`, slcan text, candump lines), so that no protocol library
/// sees a Linux header (STYLE.md rule 10).

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "core/bytes.hpp"
#include "core/time.hpp"

namespace gxlink {

struct CanFrame {
  static constexpr std::uint32_t kMaxStdId = 0x7FF;
  static constexpr std::uint32_t kMaxExtId = 0x1FFFFFFF;

  std::uint32_t id = 0;   ///< 11-bit or 29-bit identifier, without flag bits
  bool extended = false;  ///< 29-bit identifier
  bool rtr = false;       ///< remote transmission request (no data)
  std::uint8_t len = 0;   ///< data length 0..8
  std::array<std::uint8_t, 8> data{};

  ByteView payload() const noexcept { return {data.data(), len}; }

  static CanFrame make(std::uint32_t id, bool extended, ByteView bytes) noexcept {
    CanFrame f;
    f.id = id;
    f.extended = extended;
    f.len = static_cast<std::uint8_t>(std::min<std::size_t>(bytes.size(), 8));
    std::copy_n(bytes.begin(), f.len, f.data.begin());
    return f;
  }
  static CanFrame standard(std::uint32_t id, std::initializer_list<std::uint8_t> bytes) noexcept {
    return make(id, false, {bytes.begin(), bytes.size()});
  }

  friend bool operator==(const CanFrame& a, const CanFrame& b) noexcept {
    return a.id == b.id && a.extended == b.extended && a.rtr == b.rtr && a.len == b.len &&
           std::equal(a.data.begin(), a.data.begin() + a.len, b.data.begin());
  }
};

/// A frame with the time it was seen (capture timestamp or receive time).
struct TimedCanFrame {
  TimePoint time{};
  CanFrame frame;
};

}  // namespace gxlink
