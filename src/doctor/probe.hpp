// SPDX-License-Identifier: MIT
#pragma once
/// `gxlink doctor`'s probing: opens the serial ports and CAN sources on Asio, feeds the recognisers
/// (recognizers.hpp) and fills the report (report.hpp). Which protocols are tried, at which baud
/// rates and bit rates, in which order, is decided here, so a new protocol's recogniser joins the
/// sequence in src/doctor and the CLI (src/app/doctor_command.cpp) does not change.
///
/// Writes: none by default. Every probe only listens, except with `allow_writes`:
///  - a serial port where nothing answered is asked `C\r` `V\r` (slcan close, version);
///  - an slcan adapter (found so, or named with slcan:PATH) is opened with `C`, `S<n>`, `O`,
///    which puts it on the bus in normal mode (it acknowledges frames; gxlink sends none).

#include <string>
#include <vector>

#include "doctor/report.hpp"

namespace gxlink::doctor {

struct ProbeOptions {
  std::vector<std::string> ports;  ///< serial ports to probe; with `cans`, empty = discover all
  std::vector<std::string> cans;   ///< CAN sources: slcan:PATH[@bitrate], socketcan:IF, file:LOG
  double seconds = 5;              ///< listening time per port (all ports at once)
  bool allow_writes = false;
};

/// Probes every port and source at once for about `seconds` (serial ports try each protocol in
/// turn within it) and returns what was found. Throws std::invalid_argument for a malformed CAN
/// source, before anything is opened.
Report probe(const ProbeOptions& o);

}  // namespace gxlink::doctor
