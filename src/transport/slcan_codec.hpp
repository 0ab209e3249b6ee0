// SPDX-License-Identifier: MIT
#pragma once
/// The slcan (Lawicel ASCII) line protocol that CANable, USBtin and similar adapters speak over a
/// USB serial port. Pure, sans-I/O and noexcept, so it can be fuzzed and ground (STYLE.md rules 6,
/// 19, 21).
///
/// Host → adapter: `S0`..`S8` (10 k .. 1 M bit/s), `O` open, `C` close, frames `tiiiL<data>`,
/// `TiiiiiiiiL<data>`, remote `riiiL`, `RiiiiiiiiL`; every command ends in `\r`.
/// Adapter → host: `\r` (OK), BEL 0x07 (error), `z\r`/`Z\r` (transmit done), received frames in the
/// same `t/T/r/R` form optionally followed by a 4-hex-digit timestamp, `F<hh>\r` status flags,
/// `V<hhhh>\r` / `N<hhhh>\r` version and serial replies.
///
/// Framing: a record ends at `\r` or at BEL. Resync rule: a malformed record is skipped through its
/// terminator; a record longer than kMaxRecord bytes without a terminator is dropped in one piece
/// (consumed = kMaxRecord) and scanning resumes after it. `\n` between records is ignored (some
/// adapters and terminal programs send CRLF).

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/can_frame.hpp"
#include "core/result.hpp"

namespace gxlink::transport::slcan {

inline constexpr std::size_t kMaxRecord = 64;
inline constexpr std::uint8_t kCr = '\r';
inline constexpr std::uint8_t kBel = 0x07;

enum class RecordKind : std::uint8_t {
  kFrame,    ///< t/T/r/R: `frame` (and `timestamp_ms` when the adapter appends one)
  kOk,       ///< a lone `\r`
  kError,    ///< BEL: the adapter refused the last command
  kTxDone,   ///< `z` / `Z`
  kStatus,   ///< `F<hh>`: `status` holds the flag byte
  kCommand,  ///< a host command seen on the line (O, C, S<n>, V, N...): a peer host, or an echo
};

struct Record {
  RecordKind kind = RecordKind::kOk;
  CanFrame frame;
  std::optional<std::uint16_t> timestamp_ms;
  std::uint8_t status = 0;
  char command = 0;  ///< first letter of a kCommand record
};

struct TakeResult {
  enum class Status { kNeedMore, kBad, kRecord } status = Status::kNeedMore;
  std::size_t consumed = 0;  ///< bytes of `in` used (also for kBad: skip them)
  Record record;
  Error error;  ///< for kBad
};

/// Takes at most one record from the front of `in`. kNeedMore: no terminator yet (consumed may be
/// > 0 when leading `\n` were skipped). The caller drops `consumed` bytes and calls again.
TakeResult take(ByteView in) noexcept;

/// A frame as an slcan command, `\r` included (at most 27 bytes). Extended ids are masked to 29
/// bits, standard ids to 11, len to 8.
Frame<32> encode_frame(const CanFrame& f) noexcept;
/// `S<n>\r` for one of the standard bitrates; kOutOfRange for anything else.
Result<Frame<4>> encode_bitrate(unsigned bits_per_second) noexcept;
inline constexpr std::string_view kOpen = "O\r";
inline constexpr std::string_view kClose = "C\r";

}  // namespace gxlink::transport::slcan
