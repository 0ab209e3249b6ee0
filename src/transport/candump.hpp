// SPDX-License-Identifier: MIT
#pragma once
/// Reading and writing CAN captures as text. Pure functions, no I/O.
///
/// Accepted line formats (one frame per line; `#` comments and blank lines are skipped):
///  - candump -l / -L log:   `(1502984866.421964) can0 09F112CC#FF725AFF7FFF7FFD`, RTR `123#R`
///  - plain candump:         `  can0  09F8027F   [8]  00 FC FF FF 00 00 FF FF`
///    also with -ta/-td time: `(1502984866.421964)  can0  123   [2]  01 02`, RTR `remote request`
///  - "Angstrom" candump:    `<0x18eeff01> [8] 05 a0 be 1c 00 a0 a0 c0`
/// An identifier written with more than 3 hex digits, or above 0x7FF, is extended (29-bit), as
/// candump prints it.

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "core/can_frame.hpp"
#include "core/result.hpp"

namespace gxlink::transport {

struct CandumpLine {
  std::optional<double> timestamp;  ///< seconds, when the line has one
  std::string interface;            ///< "can0", empty when the format has none
  CanFrame frame;
};

/// Parses one line. Returns nullopt for a comment/blank/header line, an error for a line that looks
/// like a frame but is malformed.
Result<std::optional<CandumpLine>> parse_candump_line(std::string_view line);

/// A capture time every parser accepts: finite and within ±4e9 s (1843..2096 as Unix time, or any
/// relative time), so that the difference of two fits the clock's 64-bit nanoseconds (UBSan found
/// one that did not). NaN fails the comparison.
inline bool is_capture_time(double seconds) noexcept { return std::fabs(seconds) < 4e9; }

/// `(1600000000.000000) can0 123#DEADBEEF` — the candump -L format.
std::string format_candump_log(const CanFrame& f, double timestamp, std::string_view interface);

}  // namespace gxlink::transport
