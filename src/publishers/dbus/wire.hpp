// SPDX-License-Identifier: MIT
#pragma once
/// A minimal D-Bus marshaller for the two hot messages, ItemsChanged and PropertiesChanged
/// (D-Bus specification, "Message Protocol": little-endian, header fields PATH/INTERFACE/MEMBER/
/// SIGNATURE, every value aligned to its size relative to the message start).
///
/// Why: sd-bus builds a message one container at a time, and each container costs a strdup of its
/// signature and a validation pass; for a{sa{sv}} that is six containers per changed path, about
/// two thirds of the publisher's CPU at 10 Hz (bench/README.md, D-Bus). Writing the bytes directly
/// costs a fraction of it, and several PropertiesChanged go out in one write. Strings are checked
/// for UTF-8 (dbus-daemon drops a client that sends invalid UTF-8) and repaired with U+FFFD.
/// Everything else (method calls and replies, names, matches) stays with sd-bus.

#include <cstdint>
#include <string>
#include <string_view>

#include "model/item.hpp"
#include "model/value.hpp"

namespace gxlink::publishers::dbus {

/// True when `s` is valid UTF-8 without NUL bytes, as D-Bus requires of every string.
bool is_dbus_string(std::string_view s) noexcept;
/// `s` with every invalid UTF-8 sequence and NUL replaced by U+FFFD.
std::string repair_utf8(std::string_view s);

class WireWriter {
 public:
  /// Starts a signal message at the end of the buffer (messages are concatenated on the stream).
  void begin_signal(std::string_view path, std::string_view interface, std::string_view member,
                    std::string_view signature, std::uint32_t serial);
  /// Fills in the body length of the message begun last.
  void end_message();

  void u8(std::uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    align(4);
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));  // little endian
    buf_.append(b, 4);
  }
  void u64(std::uint64_t v) {
    align(8);
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    buf_.append(b, 8);
  }
  void str(std::string_view s);  ///< a `s` (or `o`) string: length, bytes, NUL; repaired if needed
  void sig(std::string_view s);  ///< a `g` signature
  /// Pads with zeros to a multiple of `n` (1, 2, 4 or 8) from the message start.
  void align(std::size_t n) {
    if (const std::size_t pad = (0 - pos()) & (n - 1)) buf_.append(pad, '\0');
  }
  struct ArrayMark {
    std::size_t length_at;  ///< where the byte length goes
    std::size_t first;      ///< where the first element starts (after its alignment padding)
  };
  /// Opens an array whose elements align to `elem_align`.
  ArrayMark begin_array(std::size_t elem_align);
  void end_array(ArrayMark mark);
  /// A variant holding a model value, encoded as value_codec.hpp describes.
  void variant(const model::Value& v);
  /// A variant holding one node of a structured value (a{sv}, av, b, ...).
  void node(const model::TreeNode& n);
  void variant_string(std::string_view s);
  /// The {"Value": v, "Text": s} dict (`a{sv}`) of both signals.
  void value_text(const model::Value& v, std::string_view text);

  const std::string& data() const noexcept { return buf_; }
  void clear() noexcept { buf_.clear(); }

 private:
  std::size_t pos() const noexcept { return buf_.size() - base_; }
  std::string buf_;
  std::size_t base_ = 0;  ///< start of the current message
  std::size_t body_start_ = 0;
};

}  // namespace gxlink::publishers::dbus
