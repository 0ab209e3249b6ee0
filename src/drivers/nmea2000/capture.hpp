// SPDX-License-Identifier: MIT
#pragma once
/// Reads NMEA 2000 captures line by line into whole messages: candump -L logs, plain candump and
/// Angstrom candump (frames, reassembled here), and canboat's PLAIN / FAST text
/// (`2016-02-28T19:57:02.364Z,2,127250,7,255,8,ff,10,…`, note src before dst).
///
/// canboat text: like canboat's PLAIN_OR_FAST, lines are single frames until the first line longer
/// than 8 bytes; from then on every line is a whole (already reassembled) message.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "protocols/nmea2000/data_link.hpp"

namespace gxlink::drivers::nmea2000 {

class CaptureReader {
 public:
  /// Feeds one line. Returns the message it completed (valid until the next call), nullptr when
  /// the line completed nothing (comment, a frame of a longer message), or an error for a line
  /// that cannot be read.
  Result<const gxlink::nmea2000::Message*> feed_line(std::string_view line) noexcept;

  /// The timestamp of the last message as printed: the capture's own text for canboat lines,
  /// ISO 8601 for candump epoch times, empty when the line had none.
  std::string_view timestamp() const noexcept { return timestamp_; }
  const gxlink::nmea2000::LinkStats& stats() const noexcept { return rx_.stats(); }
  bool coalesced() const noexcept { return coalesced_; }

 private:
  Result<const gxlink::nmea2000::Message*> feed_canboat(std::string_view line) noexcept;

  gxlink::nmea2000::Receiver rx_;
  gxlink::nmea2000::Message msg_;
  std::array<std::uint8_t, gxlink::nmea2000::kTpMax> buf_{};
  std::string timestamp_;
  bool coalesced_ = false;
  TimePoint last_time_{};
};

/// Parses "2016-02-28T19:57:02.364Z" or canboat's older "2016-02-28-19:57:01" into Unix seconds.
std::optional<double> parse_iso_time(std::string_view s) noexcept;
/// Formats Unix seconds as "2017-08-17T15:07:46.421Z".
void format_iso_time(double unix_seconds, std::string& out);

}  // namespace gxlink::drivers::nmea2000
