// SPDX-License-Identifier: MIT
#pragma once
/// `gxlink vebus --port P get <setting>` / `set <setting> <value>`: read and change a VE.Bus unit's
/// settings through an MK2/MK3, safely (RAM-only by default, range-checked against the unit's
/// nominal battery voltage and chemistry bounds, shown before sending, read back to confirm).

#include <string>

namespace CLI {
class App;
}

namespace gxlink::drivers::vebus {

struct VebusCommandOptions {
  std::string port;
  unsigned baud = 2400;
  int address = 0;
  double timeout = 30;  ///< seconds to wait for the unit
  std::string action;   ///< "get" or "set"
  std::string name;     ///< absorption, float, input-current-limit, mode, all, ...
  std::string value;
  bool persist = false;
  bool dry_run = false;
};

/// Adds the `vebus` subcommand (with get/set below it) to `app`; returns it.
CLI::App* add_vebus_command(CLI::App& app, VebusCommandOptions& o);
/// Runs it: 0 done (or dry run shown), 1 the unit did not confirm, 2 refused or bad arguments,
/// 3 no unit answered.
int run_vebus_command(VebusCommandOptions& o);

}  // namespace gxlink::drivers::vebus
