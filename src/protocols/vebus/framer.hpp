// SPDX-License-Identifier: MIT
#pragma once
/// MK2 protocol framing (vedirect_vebus.md §4.2).
///
///   <len> <type> <data...> <checksum>
///
/// `len` counts the bytes after itself without the checksum (type + data). Bit 7 of `len` means
/// "two LED bytes (on, blink) are appended to the data" (velib frame_handler); the real length is
/// `len & 0x7F` and still includes those two bytes. The checksum makes the byte sum of the whole
/// frame (raw len byte included) 0 mod 256, except for frame types 0x21, 0x38, 0x3D and 0x3F, which
/// also add the nibble-swapped values of bytes 1, 3 and 5 (verified on the wake-up frame
/// `05 3F 07 00 00 00 C2`).
///
/// Type 0x00 (the MK2's reset notice) is accepted only with len <= 3, so that runs of zero bytes
/// do not look like long frames (our assumption; the notice is short).
///
/// Resync rule: on anything that is not a complete valid frame (unknown type byte, length out of
/// range, bad checksum) the framer reports Bad and consumes exactly one byte, so a frame that
/// starts inside rejected garbage is still found. Maximum frame: kMaxLength + 2 = 22 bytes
/// (velib MK2_MAX_MESSAGE_LENGTH 20).

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace gxlink::vebus {

inline constexpr std::size_t kMaxLength = 20;
inline constexpr std::size_t kMaxFrameSize = kMaxLength + 2;

/// The type byte (byte 1 of a frame).
enum class FrameType : std::uint8_t {
  kResetNotice = 0x00,  ///< sent by the MK2 after it (re)booted; invertergui re-selects the address
  kInfo = 0x20,         ///< DC / AC info frame (reply to 'F' 0..4)
  kInfo21 = 0x21,       ///< VE.Bus traffic with the odd checksum rule
  kVebus38 = 0x38,
  kVebus3C = 0x3C,
  kVebus3D = 0x3D,
  kVebus3F = 0x3F,  ///< e.g. wake-up / sleep frames
  kConfig = 0x41,   ///< master multi LED / config frame (reply to 'F' 5)
  kMk2 = 0xFF,      ///< MK2 command / reply frames: data[0] is the command letter
};

/// True for the frame types whose checksum adds nibble-swapped bytes 1, 3, 5.
constexpr bool uses_odd_checksum(std::uint8_t type) noexcept {
  return type == 0x21 || type == 0x38 || type == 0x3D || type == 0x3F;
}

/// True for type bytes the framer accepts (the type byte doubles as the sync word, as in mk2.py).
bool is_known_type(std::uint8_t type) noexcept;

/// The checksum byte for `frame_without_checksum` (len, type, data...).
std::uint8_t checksum(ByteView frame_without_checksum) noexcept;

/// One decoded frame. `payload` holds the bytes after the type byte without the appended LED bytes;
/// for type 0xFF, payload[0] is the command letter.
struct Mk2Frame {
  std::uint8_t type = 0xFF;
  Frame<kMaxLength> payload;
  bool has_leds = false;  ///< the LED-appended variant (len bit 7)
  std::uint8_t led_on = 0;
  std::uint8_t led_blink = 0;

  bool is_mk2() const noexcept { return type == 0xFF && payload.size >= 1; }
  /// Command letter of an MK2 frame ('A', 'V', 'X', ...); 0 otherwise.
  std::uint8_t command() const noexcept { return is_mk2() ? payload.data[0] : 0; }
  /// Data after the command letter (MK2 frames) or after the type byte (other frames).
  ByteView data() const noexcept { return is_mk2() ? payload.view().subspan(1) : payload.view(); }
  friend bool operator==(const Mk2Frame& a, const Mk2Frame& b) noexcept {
    return a.type == b.type && a.payload == b.payload && a.has_leds == b.has_leds &&
           a.led_on == b.led_on && a.led_blink == b.led_blink;
  }
};

enum class TakeStatus { kNeedMore, kBad, kFrame };

struct TakeResult {
  TakeStatus status = TakeStatus::kNeedMore;
  std::size_t consumed = 0;  ///< bytes of the input used (1 on Bad: skip one byte and retry)
  Mk2Frame frame;            ///< valid when status == kFrame
  Errc error = Errc::kOk;    ///< why, when status == kBad
};

/// Looks at the start of `in` (the caller owns and keeps the buffer). NeedMore: `in` is a valid
/// prefix of a frame and more bytes are needed; nothing consumed. Frame: a checksum-valid frame of
/// `consumed` bytes. Bad: the first byte cannot start a frame; consume 1 byte.
TakeResult take(ByteView in) noexcept;

/// A complete frame ready to send.
using WireFrame = Frame<kMaxFrameSize>;

/// Builds `<len> <type> <payload> <cs>`; with `leds` set, appends on/blink and sets len bit 7.
/// An oversized payload yields an empty frame.
WireFrame encode_frame(std::uint8_t type, ByteView payload) noexcept;
WireFrame encode_frame_with_leds(std::uint8_t type, ByteView payload, std::uint8_t on,
                                 std::uint8_t blink) noexcept;
/// An MK2 command/reply frame: `<len> FF <letter> <data> <cs>`.
WireFrame encode_mk2(std::uint8_t letter, ByteView data) noexcept;

/// Stream helper around take(): keeps the unconsumed tail between reads (the receive buffer owned
/// by a session or driver) and counts what it dropped.
class StreamFramer {
 public:
  /// Appends bytes; calls `on_frame(const Mk2Frame&)` for each frame and `on_bad(Errc)` for each
  /// dropped byte run start. A partial frame stays buffered.
  template <class OnFrame, class OnBad>
  void push(ByteView in, OnFrame&& on_frame, OnBad&& on_bad) {
    for (std::uint8_t b : in) {
      if (size_ == buf_.size()) {  // cannot happen with take()'s limits; kept as a guard
        ++dropped_;
        drop(1);
      }
      buf_[size_++] = b;
      drain(on_frame, on_bad);
    }
  }
  /// After a silence (velib aborts a partial frame after 300 ms): what is buffered will not be
  /// completed. Re-scans it one byte further at a time so that a valid frame hidden behind a false
  /// start (a garbage byte that looked like a long length) is still delivered; the rest is dropped.
  template <class OnFrame, class OnBad>
  void flush(OnFrame&& on_frame, OnBad&& on_bad) {
    while (size_ > 0) {
      on_bad(Errc::kTruncated);
      ++dropped_;
      drop(1);
      drain(on_frame, on_bad);
    }
  }
  /// Forgets everything buffered (new connection).
  void reset() noexcept { size_ = 0; }
  std::size_t buffered() const noexcept { return size_; }
  std::size_t bytes_dropped() const noexcept { return dropped_; }

 private:
  template <class OnFrame, class OnBad>
  void drain(OnFrame& on_frame, OnBad& on_bad) {
    while (size_ > 0) {
      auto r = take(ByteView(buf_.data(), size_));
      if (r.status == TakeStatus::kNeedMore) return;
      if (r.status == TakeStatus::kBad) {
        on_bad(r.error);
        dropped_ += r.consumed;
        drop(r.consumed);
        continue;
      }
      drop(r.consumed);
      on_frame(r.frame);
    }
  }
  void drop(std::size_t n) noexcept;

  std::array<std::uint8_t, kMaxFrameSize> buf_{};
  std::size_t size_ = 0;
  std::size_t dropped_ = 0;
};

}  // namespace gxlink::vebus
