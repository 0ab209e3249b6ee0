// SPDX-License-Identifier: MIT
#include "core/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>

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

void append_json_string(std::string_view s, std::string& out) {
  // Fast path, the common case in decoders (labels, numbers as text): nothing to escape, so the
  // string goes out in one copy between its quotes.
  std::size_t clean = 0;
  while (clean < s.size() && !kSpecial[static_cast<unsigned char>(s[clean])]) ++clean;
  if (clean == s.size()) {
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  out += '"';
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* run = p;  // start of the current run of bytes copied as they are
  int utf8 = -1;        // is the whole string UTF-8? found out only when a byte >= 0x80 appears
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
