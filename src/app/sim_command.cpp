// SPDX-License-Identifier: MIT
#include "app/sim_command.hpp"

#include <chrono>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "sim/ess/report.hpp"

namespace gxlink::app {

CLI::App* add_sim_command(CLI::App& app, SimCommandOptions& o) {
  auto* sim = app.add_subcommand("sim", "Closed-loop simulations");
  sim->require_subcommand(1);
  auto* ess = sim->add_subcommand(
      "ess",
      "ESS charge-control scenarios of the CAN-bus BMS test procedures; exit 0 pass, 1 fail");
  ess->add_option("--scenario", o.scenario, "feed-in, imbalance, excess-pv or offgrid-ac")
      ->check(CLI::IsMember({"feed-in", "imbalance", "excess-pv", "offgrid-ac"}))
      ->capture_default_str();
  ess->add_option("--policy", o.policy, "controller, naive-static or v-minus-constant")
      ->check(CLI::IsMember({"controller", "naive-static", "v-minus-constant"}))
      ->capture_default_str();
  ess->add_option("--cells", o.cells, "cells in series")
      ->check(CLI::Range(4, 16))
      ->capture_default_str();
  ess->add_option("--chemistry", o.chemistry, "lfp or nmc")
      ->check(CLI::IsMember({"lfp", "nmc"}))
      ->capture_default_str();
  ess->add_option("--imbalance-mv", o.imbalance_mv,
                  "one cell ahead by this much OCV at the float voltage (default per scenario)")
      ->check(CLI::Range(0.0, 1000.0));
  ess->add_option("--hours", o.hours, "simulated hours (default 4; offgrid-ac 24)")
      ->check(CLI::Range(0.001, 48.0));
  ess->add_option("--trace", o.trace, "write a CSV trace, one row per simulated second");
  ess->add_option("--plot", o.plot, "write an SVG plot");
  ess->add_flag("--json", o.json, "print metrics and verdict as JSON");
  return sim;
}

int run_sim_command(const SimCommandOptions& o) {
  namespace es = sim::ess;
  es::RunOptions ro;
  ro.scenario = *es::scenario_from_string(o.scenario);
  ro.policy = *es::policy_from_string(o.policy);
  ro.cells = o.cells;
  ro.chemistry = *control::chemistry_from_string(o.chemistry);
  ro.imbalance_mv = o.imbalance_mv;
  ro.hours = o.hours;
  ro.keep_trace = !o.trace.empty() || !o.plot.empty();
  es::RunResult r;
  const auto start = std::chrono::steady_clock::now();
  try {
    r = es::run(ro);
  } catch (const std::invalid_argument& e) {
    std::cerr << "gxlink sim ess: " << e.what() << '\n';
    return 2;
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto write = [](const std::string& path, auto&& fn) {
    std::ofstream f(path, std::ios::binary);
    if (f) fn(f);
    f.flush();
    if (!f) {
      std::cerr << "gxlink sim ess: cannot write " << path << '\n';
      return false;
    }
    return true;
  };
  if (!o.trace.empty() && !write(o.trace, [&](std::ostream& f) { es::write_trace_csv(r, f); }))
    return 2;
  if (!o.plot.empty() && !write(o.plot, [&](std::ostream& f) { es::write_plot_svg(r, f); }))
    return 2;
  if (o.json)
    es::write_json(r, wall, std::cout);
  else
    es::write_summary(r, std::cout);
  return r.pass ? 0 : 1;
}

}  // namespace gxlink::app
