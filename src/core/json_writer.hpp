// SPDX-License-Identifier: MIT
#pragma once
/// JSON text written straight into a caller-owned string, one value at a time: the output side of
/// every `gxlink decode` (JSON Lines). Building an nlohmann::json tree per message cost about
/// 1.6 µs a line and dominated decoding (issue 13: the VE.Direct framer runs at 850 MB/s, decode
/// ran at 23-47 MB/s). Written by hand because no Debian JSON library offers an allocation-free
/// streaming writer with this string rule:
///
/// Strings follow core/text.hpp's device-text rule, so that decode prints what the model holds:
/// valid UTF-8 is kept; a string that is not valid UTF-8 is written as Latin-1 code points
/// (`\u00ff`). Control characters are escaped. The output is always valid JSON and valid UTF-8.
/// Pure formatting: no I/O, no allocation once the string has grown to the longest line.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace gxlink {

/// Appends `s` as a JSON string (quotes included) by the rule above.
void append_json_string(std::string_view s, std::string& out);
/// The same, with a byte before and after it (`'\0'`: none): a separator and a key's colon.
void append_json_string_framed(char lead, std::string_view s, char trail, std::string& out);
/// Appends a finite number in the shortest round-trip form; integral values without a fraction
/// ("12", canboat's style). Not finite: `null`.
void append_json_number(double v, std::string& out);
/// As append_json_number, but an integral double keeps a ".0" ("12.0"), as nlohmann::json prints
/// a double: decoders whose values are doubles by type keep their type in the text.
void append_json_double(double v, std::string& out);
void append_json_integer(std::int64_t v, std::string& out);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  /// Forgets the nesting, for the next line in the same string.
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
  void string(std::string_view s) { append_json_string_framed(separator_char(), s, '\0', out_); }
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
    out_ += b ? "true" : "false";
  }
  void null() {
    separator();
    out_ += "null";
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

  std::string& out_;
  std::array<bool, 32> first_{};
  std::size_t depth_ = 0;
  bool after_key_ = false;
};

}  // namespace gxlink
