// SPDX-License-Identifier: MIT
#include "core/text.hpp"

namespace gxlink {

std::size_t utf8_valid_prefix(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {  // ASCII: the common case, skip it fast
      ++i;
      continue;
    }
    // RFC 3629 §4 (the well-formed byte sequences table): the second byte's range depends on the
    // lead byte, which rules out overlong forms, surrogates and code points above U+10FFFF.
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (n - i < len) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    i += len;
  }
  return n;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string device_text(std::string_view raw, bool* repaired) {
  if (auto nul = raw.find('\0'); nul != std::string_view::npos) raw = raw.substr(0, nul);
  const bool ok = is_valid_utf8(raw);
  if (repaired) *repaired = !ok;
  return ok ? std::string(raw) : latin1_to_utf8(raw);
}

bool repair_utf8(std::string& s) {
  if (is_valid_utf8(s)) return false;
  s = latin1_to_utf8(s);
  return true;
}

std::string_view utf8_truncate(std::string_view s, std::size_t max_bytes) noexcept {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  // Back up over continuation bytes (10xxxxxx) so that no sequence is cut in half.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

}  // namespace gxlink
