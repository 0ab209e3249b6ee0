// SPDX-License-Identifier: MIT
#pragma once
/// JSON text written straight into a caller-owned buffer, one value at a time: the output side of
/// every `gxlink decode` (JSON Lines). Building an nlohmann::json tree per message cost about
/// 1.6 µs a line and dominated decoding (issue 13: the VE.Direct framer runs at 850 MB/s, decode
/// ran at 23-47 MB/s). Written by hand because no Debian JSON library offers an allocation-free
/// streaming writer with this string rule:
///
/// Strings follow core/text.hpp's device-text rule, so that decode prints what the model holds:
/// valid UTF-8 is kept; a string that is not valid UTF-8 is written as Latin-1 code points
/// (`\u00ff`). Control characters are escaped. The output is always valid JSON and valid UTF-8.
/// Pure formatting: no I/O, no allocation once the buffer has grown to its high-water mark.
///
/// Two outputs, one writer: a `std::string` (HTTP bodies, reports, tests) or a `JsonBuffer`, the
/// decoders' batch of lines. A JsonBuffer hands out room to write into, so a short string is
/// copied and checked in one inline loop with no call and no size bookkeeping per byte: the
/// std::string appends (a capacity check and a memcpy call each, two to four per TEXT field) were
/// the largest cost of `gxlink decode vedirect` (bench/README.md, "Decode end to end").

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace gxlink {

/// A growable byte buffer for JSON text. Unlike std::string it lets a writer reserve room, write
/// into it through a pointer and then commit what it wrote: no zero-filling, no per-byte checks.
class JsonBuffer {
 public:
  const char* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string_view view() const noexcept { return {data_.get(), size_}; }
  void clear() noexcept { size_ = 0; }

  /// Room for at least `n` more bytes: where to write them. Follow with commit().
  char* room(std::size_t n) {
    if (cap_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  /// Ends a write started by room(): `end` is one past the last byte written.
  void commit(const char* end) noexcept { size_ = static_cast<std::size_t>(end - data_.get()); }

  void append(const char* s, std::size_t n) {
    char* p = room(n);
    if (n != 0) std::memcpy(p, s, n);
    size_ += n;
  }
  JsonBuffer& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  JsonBuffer& operator+=(char c) {
    *room(1) = c;
    ++size_;
    return *this;
  }

 private:
  void grow(std::size_t n);
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

/// The room/commit pair for each output: a std::string grows by resize (it is written over at
/// once), a JsonBuffer without zero-filling.
inline char* json_room(JsonBuffer& out, std::size_t n) { return out.room(n); }
inline void json_commit(JsonBuffer& out, const char* end) noexcept { out.commit(end); }
inline char* json_room(std::string& out, std::size_t n) {
  const std::size_t old = out.size();
  out.resize(old + n);
  return out.data() + old;
}
inline void json_commit(std::string& out, const char* end) {
  out.resize(static_cast<std::size_t>(end - out.data()));
}

namespace json_detail {
/// Bytes that cannot be copied as they are: controls, '"', '\\', DEL, and (unless the string turns
/// out to be UTF-8) bytes >= 0x80. A table keeps the common all-ASCII string to one test a byte.
inline constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> t{};
  for (unsigned c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x7F;
  return t;
}();

/// Copies `s` to `p` and tells whether any byte of it is special.
inline bool copy_checked(char*& p, std::string_view s) noexcept {
  bool special = false;
  for (const char c : s) {
    special |= kSpecial[static_cast<unsigned char>(c)];
    *p++ = c;
  }
  return special;
}

/// The quoted string when some byte needs escaping (or the UTF-8/Latin-1 decision).
template <class Out>
void append_string_slow(char lead, std::string_view s, char trail, Out& out);
extern template void append_string_slow(char, std::string_view, char, std::string&);
extern template void append_string_slow(char, std::string_view, char, JsonBuffer&);
}  // namespace json_detail

/// Appends `s` as a JSON string (quotes included) by the rule above, with a byte before and after
/// it (`'\0'`: none): a separator and a key's colon. The common string (nothing to escape) is
/// copied and checked in one pass into room taken once.
template <class Out>
inline void append_json_string_framed(char lead, std::string_view s, char trail, Out& out) {
  char* const start = json_room(out, s.size() + 4);
  char* p = start;
  *p = lead;
  p += lead != '\0';
  *p++ = '"';
  if (!json_detail::copy_checked(p, s)) [[likely]] {
    *p++ = '"';
    *p = trail;
    p += trail != '\0';
    json_commit(out, p);
    return;
  }
  json_commit(out, start);
  json_detail::append_string_slow(lead, s, trail, out);
}

template <class Out>
inline void append_json_string(std::string_view s, Out& out) {
  append_json_string_framed('\0', s, '\0', out);
}

/// `"key":"value"` after `lead` ('\0': none) in one piece: a VE.Direct TEXT field, the most common
/// line content of all decoders, costs one room() and two copy loops.
template <class Out>
inline void append_json_member(char lead, std::string_view key, std::string_view value, Out& out) {
  char* const start = json_room(out, key.size() + value.size() + 6);
  char* p = start;
  *p = lead;
  p += lead != '\0';
  *p++ = '"';
  bool special = json_detail::copy_checked(p, key);
  p[0] = '"';
  p[1] = ':';
  p[2] = '"';
  p += 3;
  special |= json_detail::copy_checked(p, value);
  if (!special) [[likely]] {
    *p++ = '"';
    json_commit(out, p);
    return;
  }
  json_commit(out, start);
  append_json_string_framed(lead, key, ':', out);
  append_json_string_framed('\0', value, '\0', out);
}

/// Bytes as a JSON string of lower-case hex digits ("dead01", as core/bytes.hpp's to_hex), with
/// no std::string made for it: payloads are on most decoder lines.
template <class Out>
inline void append_json_hex(char lead, std::span<const std::uint8_t> bytes, Out& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char* p = json_room(out, bytes.size() * 2 + 3);
  *p = lead;
  p += lead != '\0';
  *p++ = '"';
  for (const std::uint8_t b : bytes) {
    p[0] = kDigits[b >> 4];
    p[1] = kDigits[b & 15];
    p += 2;
  }
  *p++ = '"';
  json_commit(out, p);
}

template <class Out>
inline void append_json_integer(std::int64_t v, Out& out) {
  char* const p = json_room(out, 24);
  json_commit(out, std::to_chars(p, p + 24, v).ptr);
}

/// Appends a finite number in the shortest round-trip form; integral values without a fraction
/// ("12", canboat's style). Not finite: `null`.
template <class Out>
void append_json_number(double v, Out& out);
/// As append_json_number, but an integral double keeps a ".0" ("12.0"), as nlohmann::json prints
/// a double: decoders whose values are doubles by type keep their type in the text.
template <class Out>
void append_json_double(double v, Out& out);
extern template void append_json_number(double, std::string&);
extern template void append_json_number(double, JsonBuffer&);
extern template void append_json_double(double, std::string&);
extern template void append_json_double(double, JsonBuffer&);

template <class Out>
class BasicJsonWriter {
 public:
  explicit BasicJsonWriter(Out& out) : out_(out) {}

  /// Forgets the nesting, for the next line in the same output.
  void reset() noexcept {
    depth_ = 0;
    after_key_ = false;
  }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  /// An object key; the value written next belongs to it.
  void key(std::string_view k) {
    append_json_string_framed(separator_char(), k, ':', out_);
    after_key_ = true;
  }
  /// A key and its string value at once (the same text as key(k) then string(v)).
  void member(std::string_view k, std::string_view v) {
    append_json_member(separator_char(), k, v, out_);
  }
  void string(std::string_view s) { append_json_string_framed(separator_char(), s, '\0', out_); }
  /// Bytes as a string of lower-case hex digits: the same text as string(to_hex(bytes)).
  void hex(std::span<const std::uint8_t> bytes) { append_json_hex(separator_char(), bytes, out_); }
  void integer(std::int64_t v) {
    separator();
    append_json_integer(v, out_);
  }
  void number(double v) {
    separator();
    append_json_number(v, out_);
  }
  void real(double v) {
    separator();
    append_json_double(v, out_);
  }
  void boolean(bool b) {
    separator();
    out_ += b ? std::string_view("true") : std::string_view("false");
  }
  void null() {
    separator();
    out_ += std::string_view("null");
  }
  /// Pre-formatted JSON (a nested value built elsewhere).
  void raw(std::string_view json) {
    separator();
    out_ += json;
  }

 private:
  /// The comma the next value needs ('\0' for none), updating the nesting state.
  char separator_char() {
    if (after_key_) {
      after_key_ = false;
      return '\0';
    }
    if (depth_ > 0) {
      const bool first = first_[depth_];
      first_[depth_] = false;
      if (!first) return ',';
    }
    return '\0';
  }
  void separator() {
    if (const char c = separator_char(); c != '\0') out_ += c;
  }
  void open(char c) {
    separator();
    out_ += c;
    if (depth_ + 1 < first_.size()) ++depth_;
    first_[depth_] = true;
  }
  void close(char c) {
    out_ += c;
    if (depth_ > 0) --depth_;
  }

  Out& out_;
  std::array<bool, 32> first_{};
  std::size_t depth_ = 0;
  bool after_key_ = false;
};

/// Into a std::string (HTTP bodies, reports).
using JsonWriter = BasicJsonWriter<std::string>;
/// Into a JsonBuffer: the decoders' JSON Lines.
using JsonLineWriter = BasicJsonWriter<JsonBuffer>;

}  // namespace gxlink
