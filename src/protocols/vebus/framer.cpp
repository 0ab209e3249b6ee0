// SPDX-License-Identifier: MIT
#include "protocols/vebus/framer.hpp"

#include <cstring>

namespace gxlink::vebus {

bool is_known_type(std::uint8_t type) noexcept {
  switch (type) {
    case 0x00:
    case 0x20:
    case 0x21:
    case 0x38:
    case 0x3C:
    case 0x3D:
    case 0x3F:
    case 0x41:
    case 0xFF: return true;
    default: return false;
  }
}

std::uint8_t checksum(ByteView f) noexcept {
  unsigned sum = 0;
  for (std::uint8_t b : f) sum += b;
  if (f.size() >= 2 && uses_odd_checksum(f[1])) {
    // mk2.py calc_checksum: bytes 1, 3, 5 are added a second time with their nibbles swapped.
    for (std::size_t i = 1; i < f.size() && i < 7; i += 2)
      sum += static_cast<std::uint8_t>((f[i] >> 4) | (f[i] << 4));
  }
  return static_cast<std::uint8_t>(0x100 - (sum & 0xFF));
}

TakeResult take(ByteView in) noexcept {
  TakeResult r;
  if (in.empty()) return r;
  const std::uint8_t len_byte = in[0];
  const std::size_t len = len_byte & 0x7F;
  const bool leds = (len_byte & 0x80) != 0;
  // The smallest frame is a type byte alone; MK2 frames need a command letter, LED frames 2 more.
  const std::size_t min_len = leds ? 3 : 1;
  if (len < min_len || len > kMaxLength) {
    r.status = TakeStatus::kBad;
    r.consumed = 1;
    r.error = Errc::kBadLength;
    return r;
  }
  if (in.size() < 2) return r;
  const std::uint8_t type = in[1];
  if (!is_known_type(type) || (type == 0xFF && len < (leds ? 4u : 2u)) ||
      (type == 0x00 && len > 3)) {
    r.status = TakeStatus::kBad;
    r.consumed = 1;
    r.error = Errc::kBadFormat;
    return r;
  }
  if (in.size() < len + 2) return r;
  if (checksum(in.first(len + 1)) != in[len + 1]) {
    r.status = TakeStatus::kBad;
    r.consumed = 1;
    r.error = Errc::kBadChecksum;
    return r;
  }
  r.status = TakeStatus::kFrame;
  r.consumed = len + 2;
  r.frame.type = type;
  const std::size_t payload_len = len - 1 - (leds ? 2 : 0);
  for (std::size_t i = 0; i < payload_len; ++i) r.frame.payload.push_back(in[2 + i]);
  if (leds) {
    r.frame.has_leds = true;
    r.frame.led_on = in[2 + payload_len];
    r.frame.led_blink = in[3 + payload_len];
  }
  return r;
}

namespace {

WireFrame build(std::uint8_t type, ByteView payload, const std::uint8_t* leds) noexcept {
  WireFrame f;
  const std::size_t len = 1 + payload.size() + (leds ? 2 : 0);
  if (len > kMaxLength) return f;
  f.push_back(static_cast<std::uint8_t>(len | (leds ? 0x80 : 0)));
  f.push_back(type);
  for (auto b : payload) f.push_back(b);
  if (leds) {
    f.push_back(leds[0]);
    f.push_back(leds[1]);
  }
  f.push_back(checksum(f.view()));
  return f;
}

}  // namespace

WireFrame encode_frame(std::uint8_t type, ByteView payload) noexcept {
  return build(type, payload, nullptr);
}

WireFrame encode_frame_with_leds(std::uint8_t type, ByteView payload, std::uint8_t on,
                                 std::uint8_t blink) noexcept {
  const std::uint8_t leds[2] = {on, blink};
  return build(type, payload, leds);
}

WireFrame encode_mk2(std::uint8_t letter, ByteView data) noexcept {
  Frame<kMaxLength> p;
  p.push_back(letter);
  for (auto b : data)
    if (!p.push_back(b)) return {};
  return encode_frame(0xFF, p.view());
}

void StreamFramer::drop(std::size_t n) noexcept {
  if (n > size_) n = size_;
  std::memmove(buf_.data(), buf_.data() + n, size_ - n);
  size_ -= n;
}

}  // namespace gxlink::vebus
