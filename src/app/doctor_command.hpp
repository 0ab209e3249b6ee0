// SPDX-License-Identifier: MIT
#pragma once
/// `gxlink doctor`: finds the serial ports and CAN interfaces, listens on each for a few seconds,
/// says which devices answered and writes a config that runs them (issue 17 item 4). The probing
/// and what it writes with --allow-writes are src/doctor/probe.hpp; this file is the CLI: options,
/// output, and writing the config file.

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace gxlink::app {

struct DoctorOptions {
  std::vector<std::string> ports;  ///< --port PATH: probe only these serial ports
  std::vector<std::string> cans;   ///< --can SPEC: slcan:PATH[@bitrate], socketcan:IF, file:LOG
  double seconds = 5;              ///< listening time per port (all ports at once)
  bool allow_writes = false;
  bool json = false;
  std::string write_config;
  bool force = false;
};

/// Adds the `doctor` subcommand to `app`; returns it.
CLI::App* add_doctor_command(CLI::App& app, DoctorOptions& o);

/// Runs it: 0 something was found, 1 nothing was found, 2 bad arguments or the config could not
/// be written.
int run_doctor(const DoctorOptions& o, std::ostream& out, std::ostream& err);

}  // namespace gxlink::app
