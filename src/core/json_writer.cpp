// SPDX-License-Identifier: MIT
#include "core/json_writer.hpp"

#include <algorithm>
#include <cmath>

#include "core/text.hpp"

namespace gxlink {

void JsonBuffer::grow(std::size_t n) {
  // Doubling: a decoder's batch reaches its high-water mark after a few lines and then never
  // allocates again.
  const std::size_t cap = std::max({cap_ * 2, size_ + n, std::size_t{256}});
  auto bigger = std::make_unique_for_overwrite<char[]>(cap);
  if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
  data_ = std::move(bigger);
  cap_ = cap;
}

namespace {

constexpr char kHex[] = "0123456789abcdef";

template <class Out>
void append_escape(unsigned c, Out& out) {
  switch (c) {
    case '"': out += std::string_view("\\\""); return;
    case '\\': out += std::string_view("\\\\"); return;
    case '\n': out += std::string_view("\\n"); return;
    case '\r': out += std::string_view("\\r"); return;
    case '\t': out += std::string_view("\\t"); return;
    default: {
      const char esc[6] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 15], kHex[c & 15]};
      out.append(esc, 6);
    }
  }
}

}  // namespace

namespace json_detail {

template <class Out>
void append_string_slow(char lead, std::string_view s, char trail, Out& out) {
  using json_detail::kSpecial;
  if (lead != '\0') out += lead;
  out += '"';
  const char* p = s.data();
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
  if (trail != '\0') out += trail;
}

template void append_string_slow(char, std::string_view, char, std::string&);
template void append_string_slow(char, std::string_view, char, JsonBuffer&);

}  // namespace json_detail

namespace {

/// A finite double in the shortest round-trip form (std::to_chars), or nothing for inf/NaN.
template <class Out>
bool append_shortest(double v, Out& out, bool keep_point) {
  if (!std::isfinite(v)) {
    out += std::string_view("null");
    return false;
  }
  constexpr std::size_t kMax = 32;  // "-1.2345678901234567e-308" and ".0" fit
  char* const p = json_room(out, kMax);
  char* end = std::to_chars(p, p + kMax - 2, v).ptr;
  if (keep_point && std::find_if(p, end, [](char c) { return c == '.' || c == 'e'; }) == end) {
    *end++ = '.';
    *end++ = '0';
  }
  json_commit(out, end);
  return true;
}

}  // namespace

template <class Out>
void append_json_number(double v, Out& out) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 1e15) {
    append_json_integer(static_cast<std::int64_t>(v), out);
    return;
  }
  append_shortest(v, out, false);
}

template <class Out>
void append_json_double(double v, Out& out) {
  append_shortest(v, out, true);
}

template void append_json_number(double, std::string&);
template void append_json_number(double, JsonBuffer&);
template void append_json_double(double, std::string&);
template void append_json_double(double, JsonBuffer&);

}  // namespace gxlink
