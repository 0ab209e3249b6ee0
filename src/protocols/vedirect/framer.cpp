// SPDX-License-Identifier: MIT
#include "protocols/vedirect/framer.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace gxlink::vedirect {
namespace {

constexpr std::string_view kChecksumLabel = "Checksum";

constexpr bool is_hex_char(std::uint8_t b) noexcept {
  return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'F') || (b >= 'a' && b <= 'f');
}
constexpr bool is_printable(std::uint8_t b) noexcept { return b >= 0x20 && b < 0x7F; }
/// A value byte that marks noise: a control byte (TAB included, it ends labels) or DEL. Bytes
/// 0x80..0xFF are kept: a product may put Latin-1 or UTF-8 in a text value (a name, a serial), the
/// block's checksum still catches any single damaged byte, and the driver makes the text valid
/// UTF-8 (core/text.hpp). Labels stay printable ASCII: they are the protocol's own names.
constexpr bool is_noise_in_value(std::uint8_t b) noexcept { return b < 0x20 || b == 0x7F; }

}  // namespace

const TextField* TextBlock::find(std::string_view label) const noexcept {
  for (const auto& f : *this)
    if (f.label == label) return &f;
  return nullptr;
}

void Framer::reset() noexcept {
  state_ = State::kStart;
  sum_ = 0;
  tainted_ = false;
  overflowed_ = false;
  taint_code_ = Errc::kOk;
  taint_reason_ = nullptr;
  block_bytes_ = 0;
  buf_len_ = 0;
  block_.count = 0;
  in_hex_ = false;
  hex_len_ = 0;
}

void Framer::taint(Errc code, const char* why) noexcept {
  if (tainted_) return;  // keep the first reason: later ones are usually consequences
  tainted_ = true;
  taint_code_ = code;
  taint_reason_ = why;
}

TakeResult Framer::finish_block(std::size_t consumed) noexcept {
  TakeResult r;
  r.consumed = consumed;
  r.kind = FrameKind::kText;
  if (tainted_) {
    r.status = TakeStatus::kBad;
    r.error = Error(taint_code_, taint_reason_ ? taint_reason_ : "malformed TEXT block");
  } else if (sum_ != 0) {
    r.status = TakeStatus::kBad;
    r.error = Error(Errc::kBadChecksum, "TEXT block checksum does not sum to 0 mod 256");
  } else {
    r.status = TakeStatus::kFrame;
    r.text = &block_;
  }
  // The next byte starts a new block; buf_ and block_ are cleared lazily at its first byte so
  // that the returned views stay valid until the next take().
  state_ = State::kStart;
  sum_ = 0;
  tainted_ = false;
  overflowed_ = false;
  block_bytes_ = 0;
  return r;
}

TakeResult Framer::finish_hex(std::size_t consumed) noexcept {
  TakeResult r;
  r.consumed = consumed;
  r.kind = FrameKind::kHex;
  r.hex_text = std::string_view(hex_buf_.data(), hex_len_);
  auto msg = decode_hex(r.hex_text);
  hex_len_ = 0;
  if (!msg) {
    r.status = TakeStatus::kBad;
    r.hex_error = true;
    r.error = std::move(msg.error());
    return r;
  }
  hex_msg_ = *msg;
  r.status = TakeStatus::kFrame;
  r.hex = &hex_msg_;
  return r;
}

bool Framer::take_whole_block(ByteView in, std::size_t i, TakeResult& out) noexcept {
  // Fast path (several times the byte machine): at a block start, when the buffer holds a
  // complete, well-formed block without ':' (no HEX inside), one tight pass with local state
  // checks the grammar and bounds, records the fields and sums the bytes. Anything unusual returns
  // false and the byte machine takes over at the same position, so results never depend on the
  // path (the grind tests compare whole-buffer runs, which use it, with byte-by-byte runs, which
  // cannot).
  const std::uint8_t* p = in.data();
  const std::size_t lim = std::min(in.size(), i + kMaxBlockBytes);
  // Printable ASCII other than ':' (which would start a HEX frame): one table load a byte, and
  // the loops below stop at the first byte that is not, then check it is the TAB or CR expected.
  static constexpr auto kPlain = [] {
    std::array<bool, 256> t{};
    for (unsigned c = 0x20; c < 0x7F; ++c) t[c] = c != ':';
    return t;
  }();
  std::size_t j = i;
  std::size_t count = 0;
  for (;;) {
    if (j + 2 > lim || p[j] != '\r' || p[j + 1] != '\n') return false;
    j += 2;
    const std::size_t ls = j;
    while (j < lim && kPlain[p[j]]) ++j;
    if (j >= lim || p[j] != '\t') return false;
    const std::size_t ll = j - ls;
    ++j;
    if (ll == 8 && std::memcmp(p + ls, "Checksum", 8) == 0) {
      if (j >= lim) return false;
      ++j;  // the checksum byte, whatever it is
      break;
    }
    if (ll == 0 || ll > kMaxLabel || count >= kMaxFields) return false;
    const std::size_t vs = j;
    while (j < lim && kPlain[p[j]]) ++j;
    if (j >= lim || p[j] != '\r' || j - vs > kMaxValue) return false;
    // Views into buf_, which receives the block below.
    block_.fields_storage[count++] = TextField{std::string_view(buf_.data() + (ls - i), ll),
                                               std::string_view(buf_.data() + (vs - i), j - vs)};
  }
  // Every byte of the block counts in its checksum, so the sum is taken over the whole span in a
  // separate loop the compiler vectorises (in the scan above it cost a third of the framer).
  std::uint8_t sum = 0;
  for (std::size_t k = i; k < j; ++k) sum = static_cast<std::uint8_t>(sum + p[k]);
  std::memcpy(buf_.data(), p + i, j - i);
  buf_len_ = j - i;
  block_.count = count;
  out = TakeResult{};
  out.consumed = j;
  out.kind = FrameKind::kText;
  if (sum != 0) {
    out.status = TakeStatus::kBad;
    out.error = Error(Errc::kBadChecksum, "TEXT block checksum does not sum to 0 mod 256");
  } else {
    out.status = TakeStatus::kFrame;
    out.text = &block_;
  }
  return true;
}

TakeResult Framer::take(ByteView in) noexcept {
  const std::size_t n = in.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (state_ == State::kStart && !in_hex_) {
      TakeResult r;
      if (take_whole_block(in, i, r)) return r;
    }
    const std::uint8_t b = in[i];
    if (in_hex_) {
      if (auto r = hex_byte(b, i)) return *r;
      continue;
    }
    // §1.3: ':' starts a HEX frame anywhere except in the checksum position.
    if (b == ':' && state_ != State::kChecksum) {
      in_hex_ = true;
      hex_buf_[0] = ':';
      hex_len_ = 1;
      continue;
    }
    sum_ = static_cast<std::uint8_t>(sum_ + b);
    if (++block_bytes_ > kMaxBlockBytes && !overflowed_) return overflow(i + 1);
    if (text_byte(b)) return finish_block(i + 1);
  }
  TakeResult r;
  r.consumed = n;
  return r;
}

std::optional<TakeResult> Framer::hex_byte(std::uint8_t b, std::size_t at) noexcept {
  if (b == '\n') {
    in_hex_ = false;
    return finish_hex(at + 1);
  }
  if ((is_hex_char(b) || b == '\r') && hex_len_ < kMaxHexChars) {
    hex_buf_[hex_len_++] = static_cast<char>(b);
    return std::nullopt;
  }
  // Not a HEX frame after all (noise ':' or a corrupted terminator, OpenDTU #1585), or too
  // long: drop it and hand this byte back to the TEXT machine, whose checksum decides.
  in_hex_ = false;
  TakeResult r;
  r.status = TakeStatus::kBad;
  r.consumed = at;
  r.kind = FrameKind::kHex;
  r.hex_error = true;
  r.hex_text = std::string_view(hex_buf_.data(), hex_len_);
  r.error = hex_len_ >= kMaxHexChars
                ? Error(Errc::kBadLength, "HEX frame too long")
                : Error(Errc::kBadFormat, "HEX frame broken by a non-hex byte");
  hex_len_ = 0;
  return r;
}

TakeResult Framer::overflow(std::size_t consumed) noexcept {
  overflowed_ = true;
  TakeResult r;
  r.status = TakeStatus::kBad;
  r.consumed = consumed;
  r.error = Error(Errc::kBadLength, "TEXT block longer than 1024 bytes");
  // Keep parsing labels (in a scratch buffer) only to find the next checksum byte.
  block_.count = 0;
  buf_len_ = 0;
  if (state_ == State::kLabel || state_ == State::kValue) state_ = State::kWaitLf;
  return r;
}

bool Framer::text_byte(std::uint8_t b) noexcept {
  switch (state_) {
    case State::kStart:
      buf_len_ = 0;
      block_.count = 0;
      if (b == '\r') {
        state_ = State::kStartLf;
      } else {
        taint(Errc::kBadFormat, "TEXT block does not start with CR LF");
        state_ = b == '\n' ? State::kLabel : State::kWaitLf;
        label_start_ = buf_len_;
      }
      break;
    case State::kStartLf:
      if (b == '\n') {
        state_ = State::kLabel;
        label_start_ = buf_len_;
      } else {
        taint(Errc::kBadFormat, "TEXT block does not start with CR LF");
        state_ = State::kWaitLf;
      }
      break;
    case State::kWaitLf:
      if (b == '\n') {
        if (overflowed_) buf_len_ = 0;
        state_ = State::kLabel;
        label_start_ = buf_len_;
      } else if (b != '\r') {
        taint(Errc::kBadFormat, "stray byte between TEXT fields");
      }
      break;
    case State::kLabel:
      if (b == '\t') {
        const std::string_view label(buf_.data() + label_start_, buf_len_ - label_start_);
        if (label == kChecksumLabel) {
          state_ = State::kChecksum;
        } else {
          if (label.empty()) taint(Errc::kBadFormat, "empty TEXT label");
          value_start_ = buf_len_;
          state_ = State::kValue;
        }
      } else if (b == '\r' || b == '\n') {
        taint(Errc::kBadFormat, "TEXT label without TAB");
        state_ = b == '\n' ? State::kLabel : State::kWaitLf;
        label_start_ = buf_len_;
      } else {
        if (!is_printable(b)) taint(Errc::kBadFormat, "non-ASCII byte in TEXT label");
        if (buf_len_ - label_start_ >= kMaxLabel) {
          taint(Errc::kBadLength, "TEXT label too long");
        } else if (buf_len_ < buf_.size()) {
          buf_[buf_len_++] = static_cast<char>(b);
        }
      }
      break;
    case State::kValue:
      if (b == '\r' || b == '\n') {
        if (!overflowed_) {
          if (block_.count < kMaxFields) {
            block_.fields_storage[block_.count++] =
                TextField{std::string_view(buf_.data() + label_start_, value_start_ - label_start_),
                          std::string_view(buf_.data() + value_start_, buf_len_ - value_start_)};
          } else {
            taint(Errc::kBadLength, "too many fields in TEXT block");
          }
        }
        if (b == '\n') {
          if (overflowed_) buf_len_ = 0;
          label_start_ = buf_len_;
          state_ = State::kLabel;
        } else {
          state_ = State::kWaitLf;
        }
      } else {
        if (is_noise_in_value(b)) taint(Errc::kBadFormat, "control byte in TEXT value");
        if (buf_len_ - value_start_ >= kMaxValue) {
          taint(Errc::kBadLength, "TEXT value too long");
        } else if (buf_len_ < buf_.size()) {
          buf_[buf_len_++] = static_cast<char>(b);
        }
      }
      break;
    case State::kChecksum:
      if (overflowed_) {
        // Already reported when it crossed kMaxBlockBytes; this checksum only ends the skip.
        state_ = State::kStart;
        sum_ = 0;
        tainted_ = false;
        overflowed_ = false;
        block_bytes_ = 0;
        break;
      }
      return true;
  }
  return false;
}

}  // namespace gxlink::vedirect
