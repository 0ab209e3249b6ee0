// SPDX-License-Identifier: MIT
#include "core/bytes.hpp"

namespace gxlink {

std::string to_hex(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 0xF]);
  }
  return s;
}

bool from_hex(std::string_view text, std::string& out_bytes) {
  out_bytes.clear();
  int hi = -1;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    const int v = hex_digit_value(c);
    if (v < 0) return false;
    if (hi < 0) {
      hi = v;
    } else {
      out_bytes.push_back(static_cast<char>((hi << 4) | v));
      hi = -1;
    }
  }
  return hi < 0;
}

}  // namespace gxlink
