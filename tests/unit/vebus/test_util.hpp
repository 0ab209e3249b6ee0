// SPDX-License-Identifier: MIT
#pragma once
#include <string>
#include <vector>

#include "core/bytes.hpp"

namespace gxlink::vebus::test {

/// "04 FF 41 01 00 BB" → bytes.
inline std::vector<std::uint8_t> hex(const std::string& s) {
  std::string out;
  if (!from_hex(s, out)) return {};
  return {out.begin(), out.end()};
}

inline std::string spaced(ByteView b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  for (auto x : b) {
    if (!s.empty()) s += ' ';
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

}  // namespace gxlink::vebus::test
