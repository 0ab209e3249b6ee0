// SPDX-License-Identifier: MIT
#pragma once
/// Incremental VE.Direct framer: raw serial bytes in, checksum-validated TEXT blocks and HEX frames
/// out (vedirect_vebus.md §1.2, §1.3, §2.1).
///
/// TEXT block: fields `\r\n<label>\t<value>`, the last one `\r\nChecksum\t<byte>`. The block is
/// valid when the sum of every byte from the first byte after the previous block's checksum byte up
/// to and including this checksum byte is 0 mod 256. The byte after `Checksum\t` is the checksum
/// whatever its value (':' '\r' '\n' included). HEX frames (`:` … `\n`) may appear anywhere except
/// in the checksum position; they are cut out, excluded from the TEXT sum, and returned on their
/// own.
///
/// Bounds: a TEXT block holds at most kMaxBlockBytes bytes (HEX excluded), kMaxFields fields,
/// labels of kMaxLabel and values of kMaxValue bytes; a HEX frame at most kMaxHexChars characters.
///
/// Resync rule: blocks are delimited only by the checksum byte. A block that does not begin with
/// `\r\n` (capture started mid-block, noise before it), that holds a label byte outside printable
/// ASCII or a control byte (other than the CR/LF/TAB that frame fields) anywhere, or that breaks a
/// bound is "tainted": it yields Bad at its checksum (or at once
/// when it grows past kMaxBlockBytes, after which bytes are skipped silently up to the next
/// checksum byte). The next block then starts clean. So a block is only ever returned when its
/// start, every byte and its checksum were seen, and never from an unverified checksum.
///
/// Value bytes 0x80..0xFF are not noise (the reference's peers reset on them,
/// vedirect_vebus.md §1.3): with a valid checksum they are what the device sent, most likely
/// Latin-1 text, and dropping the whole block for them would lose every reading beside it. Values
/// are bytes here; the driver turns text into UTF-8.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocols/vedirect/hex.hpp"

namespace gxlink::vedirect {

inline constexpr std::size_t kMaxBlockBytes = 1024;  ///< real blocks are < 300 bytes (§1.6)
inline constexpr std::size_t kMaxFields = 40;        ///< reference parsers allow 22 records
inline constexpr std::size_t kMaxLabel = 16;         ///< longest known label is 8 ("AC_OUT_V")
inline constexpr std::size_t kMaxValue = 64;         ///< reference parsers allow 33

/// One field of a block; views point into the framer's buffer (valid until the next take()).
struct TextField {
  std::string_view label;
  std::string_view value;
};

/// A checksum-validated TEXT block, without its Checksum field.
struct TextBlock {
  std::array<TextField, kMaxFields> fields_storage{};
  std::size_t count = 0;

  std::size_t size() const noexcept { return count; }
  const TextField* begin() const noexcept { return fields_storage.data(); }
  const TextField* end() const noexcept { return fields_storage.data() + count; }
  const TextField& operator[](std::size_t i) const noexcept { return fields_storage[i]; }
  /// The value of `label`, or nullopt-like empty view with found = false.
  const TextField* find(std::string_view label) const noexcept;
};

enum class TakeStatus { kNeedMore, kBad, kFrame };
enum class FrameKind { kText, kHex };

/// What take() found. For kFrame, `text` (kind kText) or `hex` (kind kHex) is valid until the next
/// take()/reset(). For kBad, `error` says why: kBadChecksum, kBadFormat (noise or missing start),
/// kBadLength (a bound was broken); `hex_error` is true when a HEX frame (not a TEXT block) is bad.
struct TakeResult {
  TakeStatus status = TakeStatus::kNeedMore;
  std::size_t consumed = 0;  ///< bytes of the input used; feed the rest in the next call
  FrameKind kind = FrameKind::kText;
  const TextBlock* text = nullptr;
  const HexMessage* hex = nullptr;
  std::string_view hex_text;  ///< the HEX frame as received, ':' to before '\n'
  bool hex_error = false;
  Error error;
};

class Framer {
 public:
  /// Consumes bytes up to the end of the next frame or bad block, or all of `in` (kNeedMore).
  /// The caller loops until `consumed` covers its input. Never throws.
  TakeResult take(ByteView in) noexcept;
  /// Forgets any partial block or HEX frame (port reopened, long silence): the next byte starts a
  /// new block.
  void reset() noexcept;

 private:
  enum class State : std::uint8_t { kStart, kStartLf, kWaitLf, kLabel, kValue, kChecksum };
  void taint(Errc code, const char* why) noexcept;
  TakeResult finish_block(std::size_t consumed) noexcept;
  TakeResult finish_hex(std::size_t consumed) noexcept;
  bool take_whole_block(ByteView in, std::size_t at, TakeResult& out) noexcept;
  /// One byte inside a HEX frame: the finished (or broken) frame, or nothing yet.
  std::optional<TakeResult> hex_byte(std::uint8_t b, std::size_t at) noexcept;
  /// The block crossed kMaxBlockBytes: report it once and skip to its checksum.
  TakeResult overflow(std::size_t consumed) noexcept;
  /// One byte of a TEXT block through the state machine; true at the block's checksum byte.
  bool text_byte(std::uint8_t b) noexcept;

  State state_ = State::kStart;
  std::uint8_t sum_ = 0;
  bool tainted_ = false;
  bool overflowed_ = false;  // reported kBadLength; skipping to the next checksum byte
  Errc taint_code_ = Errc::kOk;
  const char* taint_reason_ = nullptr;
  std::size_t label_start_ = 0;
  std::size_t value_start_ = 0;
  std::size_t block_bytes_ = 0;  // TEXT bytes of this block, HEX excluded
  std::array<char, kMaxBlockBytes> buf_{};
  std::size_t buf_len_ = 0;
  TextBlock block_{};

  bool in_hex_ = false;
  std::array<char, kMaxHexChars> hex_buf_{};
  std::size_t hex_len_ = 0;
  HexMessage hex_msg_{};
};

}  // namespace gxlink::vedirect
