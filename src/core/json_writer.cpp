// SPDX-License-Identifier: MIT
#include "core/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/text.hpp"

namespace gxlink {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_escape(unsigned c, std::string& out) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
      const char esc[6] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 15], kHex[c & 15]};
      out.append(esc, 6);
    }
  }
}

// Bytes that cannot be copied as they are: controls, '"', '\\', DEL, and (unless the string turns
// out to be UTF-8) bytes >= 0x80. A table keeps the common all-ASCII string to one test a byte.
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> t{};
  for (unsigned c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x7F;
  return t;
}();

}  // namespace

namespace {

/// The bytes of `s` before its first byte that needs escaping (or a UTF-8 check).
std::size_t clean_prefix(std::string_view s) noexcept {
  std::size_t clean = 0;
  while (clean < s.size() && !kSpecial[static_cast<unsigned char>(s[clean])]) ++clean;
  return clean;
}

/// The quoted string when some byte needs a look: escapes, and the UTF-8/Latin-1 decision.
void append_json_string_slow(std::string_view s, std::size_t clean, std::string& out) {
  out += '"';
  const char* p = s.data() + clean;
  const char* const end = s.data() + s.size();
  const char* run = s.data();  // start of the current run of bytes copied as they are
  int utf8 = -1;  // is the whole string UTF-8? found out only when a byte >= 0x80 appears
  for (; p != end; ++p) {
    const auto u = static_cast<unsigned char>(*p);
    if (!kSpecial[u]) continue;
    if (u >= 0x80) {
      // Bytes >= 0x80 pass through when the whole string is UTF-8, and are Latin-1 code points
      // otherwise (the device-text rule of core/text.hpp).
      if (utf8 < 0) utf8 = is_valid_utf8(s) ? 1 : 0;
      if (utf8 == 1) continue;
    }
    out.append(run, static_cast<std::size_t>(p - run));
    run = p + 1;
    append_escape(u, out);
  }
  out.append(run, static_cast<std::size_t>(end - run));
  out += '"';
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  append_json_string_framed('\0', s, '\0', out);
}

void append_json_string_framed(char lead, std::string_view s, char trail, std::string& out) {
  // Fast path, the common case in decoders (labels, numbers as text): short and nothing to
  // escape. One pass copies the bytes into a stack buffer while it checks them, and separator,
  // quotes, text and a key's colon go out in one append: a scan, two memcpy calls and four
  // std::string appends per string were the largest single cost of `gxlink decode`
  // (bench/README.md, "Decode end to end").
  constexpr std::size_t kShort = 60;
  if (s.size() <= kShort) {
    char buf[kShort + 4];
    char* p = buf;
    if (lead != '\0') *p++ = lead;
    *p++ = '"';
    bool special = false;
    for (const char c : s) {
      special |= kSpecial[static_cast<unsigned char>(c)];
      *p++ = c;
    }
    if (!special) {
      *p++ = '"';
      if (trail != '\0') *p++ = trail;
      out.append(buf, static_cast<std::size_t>(p - buf));
      return;
    }
  }
  if (lead != '\0') out += lead;
  append_json_string_slow(s, clean_prefix(s), out);
  if (trail != '\0') out += trail;
}

void append_json_integer(std::int64_t v, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_json_number(double v, std::string& out) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {
    append_json_integer(static_cast<std::int64_t>(v), out);
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_json_double(double v, std::string& out) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

}  // namespace gxlink
