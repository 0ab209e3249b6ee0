// SPDX-License-Identifier: MIT
#pragma once
/// `gxlink sim ess --scenario S --policy P [--cells N] [--chemistry lfp|nmc] [--imbalance-mv MV]
/// [--hours H] [--trace F.csv] [--plot F.svg] [--json]`: the closed-loop charge-control simulation
/// (issue 16; contract in DESIGN.md). Exit 0 pass, 1 fail, 2 unwritable files or options out of
/// range (CLI11 exits with its own code for values it rejects itself).

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace gxlink::app {

struct SimCommandOptions {
  std::string scenario = "feed-in";
  std::string policy = "controller";
  int cells = 16;
  std::string chemistry = "lfp";
  std::optional<double> imbalance_mv;
  std::optional<double> hours;
  std::string trace, plot;
  bool json = false;
};

/// Adds `sim` with its `ess` subcommand to `app`; returns `sim`.
CLI::App* add_sim_command(CLI::App& app, SimCommandOptions& o);
int run_sim_command(const SimCommandOptions& o);

}  // namespace gxlink::app
