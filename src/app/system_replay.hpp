// SPDX-License-Identifier: MIT
#pragma once
/// `gxlink snapshot --system [--settings SETUP] [--every S] dbus-recording:F1 …` (DESIGN.md): the
/// recordings of one system on one timeline with the system layer running on that clock.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace gxlink::app {

struct SystemReplayOptions {
  std::vector<std::string> sources;  ///< dbus-recording:FILE
  std::optional<std::string> setup;  ///< venus-docker setup file
  std::optional<double> every;       ///< print JSON Lines every S recording seconds
};

/// Returns the exit code: 0, or 2 for a usage or input error (reported on `err`).
int run_system_replay(const SystemReplayOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace gxlink::app
