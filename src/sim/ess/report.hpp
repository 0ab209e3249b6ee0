// SPDX-License-Identifier: MIT
#pragma once
/// Outputs of a run: the CSV trace (a contract, DESIGN.md `gxlink sim ess`), an SVG plot, JSON
/// metrics and a short text summary.

#include <ostream>

#include "sim/ess/scenario.hpp"

namespace gxlink::sim::ess {

/// Header, then one row per simulated second: t_s, cvl_v, ccl_a, dcl_a, pack_v, pack_i_a, soc,
/// cell_min_v, cell_max_v, pv_w, load_w, grid_w, then pv_avail_w, acpv_w, freq_hz, phase and
/// cell_1_v..cell_N_v.
void write_trace_csv(const RunResult& r, std::ostream& out);
/// Four panels over time: cell voltages with CVL and trip; currents (pack, CCL, DCL); SOC; powers
/// (PV, load, grid). Hand-written SVG: no plotting library is on the image, and the format is text.
void write_plot_svg(const RunResult& r, std::ostream& out);
/// {"scenario", "policy", ..., "checks": [{name, value, limit, pass, meaning}], "energy": {...},
/// "verdict": "pass"|"fail"}. `wall_s` is the run's wall-clock time, for the speed ratio.
void write_json(const RunResult& r, double wall_s, std::ostream& out);
void write_summary(const RunResult& r, std::ostream& out);

}  // namespace gxlink::sim::ess
