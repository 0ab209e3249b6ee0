// SPDX-License-Identifier: MIT
#pragma once
/// The test procedures of seeds/001 as closed-loop runs: §1.5.3.1 feed-in, §1.5.3.2 cell
/// imbalance, §1.5.3.3 excess PV and §1.5.4 off-grid AC-coupled. A run steps the plant at a fixed
/// dt (deterministic: no clock, no randomness), asks the policy for limits once a simulated
/// second, keeps one trace row per second and scores the run against the seed's criteria.

#include <optional>
#include <string>
#include <vector>

#include "control/charge_controller.hpp"
#include "sim/ess/plant.hpp"
#include "sim/ess/policies.hpp"

namespace gxlink::sim::ess {

enum class ScenarioKind { kFeedIn, kImbalance, kExcessPv, kOffgridAc };
const char* to_string(ScenarioKind s) noexcept;
std::optional<ScenarioKind> scenario_from_string(std::string_view s) noexcept;

struct RunOptions {
  ScenarioKind scenario = ScenarioKind::kFeedIn;
  PolicyKind policy = PolicyKind::kController;
  int cells = 16;
  control::Chemistry chemistry = control::Chemistry::kLfp;
  std::optional<double> imbalance_mv;  ///< default per scenario
  std::optional<double> hours;         ///< default 4, offgrid-ac 24 (scenario.cpp)
  double dt_s = 0.1;
  double capacity_ah = 100;
  bool keep_trace = true;
  /// Replaces defaults_for(chemistry, cells) (e.g. a config under test).
  std::optional<control::ControllerConfig> controller;
};

struct TraceRow {
  double t_s, cvl_v, ccl_a, dcl_a, pack_v, pack_i_a, soc, cell_min_v, cell_max_v, pv_w, load_w,
      grid_w;
  double pv_avail_w, acpv_w, freq_hz;
  int phase;
  std::vector<float> cell_v;
};

/// One pass/fail criterion with its measured value and limit.
struct Check {
  std::string name;
  double value;
  double limit;
  bool pass;
  std::string meaning;
};

struct RunResult {
  RunOptions options;
  double hours = 0;
  double imbalance_mv = 0;
  double imbalance_soc_pct = 0;  ///< the high cell's SOC lead that imbalance_mv needed
  double trip_v = 0;
  double capacity_ah = 0;
  double feed_in_limit_w = 0;
  std::vector<TraceRow> trace;
  std::vector<Check> checks;
  bool pass = false;
  EnergyAccount energy;
  double stored_j = 0;  ///< chemical energy gained over the run, from the OCV curves
  double sim_seconds = 0;
};

/// Runs one scenario. Throws std::invalid_argument for options out of range (cells 4..16,
/// imbalance 0..1000 mV, hours (0, 48]).
RunResult run(const RunOptions& o);

}  // namespace gxlink::sim::ess
