// SPDX-License-Identifier: MIT
// The seed's test procedures (seeds/001 §1.5.3.1-§1.5.3.3, §1.5.4) run closed loop with their
// checks asserted: the controller passes for 8, 15 and 16 cells (LFP and NMC), the naive policies
// fail where the seed says they fail, and the simulator's energy balance closes.
#include "sim/ess/scenario.hpp"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace gxlink::sim::ess {
namespace {

const Check* find(const RunResult& r, const std::string& name) {
  for (const auto& c : r.checks)
    if (c.name == name) return &c;
  return nullptr;
}

std::string failed(const RunResult& r) {
  std::string s;
  for (const auto& c : r.checks)
    if (!c.pass) s += c.name + "=" + std::to_string(c.value) + " ";
  return s;
}

RunResult run_quiet(ScenarioKind s, PolicyKind p, int cells,
                    control::Chemistry chem = control::Chemistry::kLfp) {
  RunOptions o;
  o.scenario = s;
  o.policy = p;
  o.cells = cells;
  o.chemistry = chem;
  o.keep_trace = false;
  return run(o);
}

struct Case {
  ScenarioKind scenario;
  int cells;
  control::Chemistry chem;
};

class ControllerPasses : public ::testing::TestWithParam<Case> {};

TEST_P(ControllerPasses, EveryCheck) {
  const auto [scenario, cells, chem] = GetParam();
  const auto r = run_quiet(scenario, PolicyKind::kController, cells, chem);
  EXPECT_TRUE(r.pass) << failed(r);
  // The contract's checks are all there.
  for (const char* name :
       {"max_cell_v", "disconnect_t_s", "cvl_min_interval_s", "cvl_reversals_per_h",
        "charge_discharge_flips_per_h", "discharge_while_pv_covers_pct", "time_to_full_s"})
    EXPECT_NE(find(r, name), nullptr) << name;
  EXPECT_EQ(find(r, "feed_in_ratio") != nullptr, scenario != ScenarioKind::kOffgridAc);
  EXPECT_EQ(find(r, "acpv_trips") != nullptr, scenario == ScenarioKind::kOffgridAc);
  EXPECT_LT(find(r, "max_cell_v")->value, r.trip_v);
}

std::vector<Case> controller_cases() {
  std::vector<Case> v;
  for (auto s : {ScenarioKind::kFeedIn, ScenarioKind::kImbalance, ScenarioKind::kExcessPv,
                 ScenarioKind::kOffgridAc})
    for (int n : {8, 15, 16})
      for (auto chem : {control::Chemistry::kLfp, control::Chemistry::kNmc})
        v.push_back({s, n, chem});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ControllerPasses, ::testing::ValuesIn(controller_cases()),
                         [](const auto& param_info) {
                           const Case& c = param_info.param;
                           std::string n = std::string(to_string(c.scenario)) + "_" +
                                           std::to_string(c.cells) + "_" +
                                           control::to_string(c.chem);
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// The contract: any cell count 4..16, other imbalances, both chemistries (issue 16 "checks you
// don't have run it with other cell counts and imbalances"). Every scenario, every cell count,
// imbalances 0, 100 and 300 mV spread over LFP and NMC; about 0.1 s a run.
struct SweepCase {
  ScenarioKind scenario;
  int cells;
  control::Chemistry chem;
  double imbalance_mv;
};

class ControllerSweep : public ::testing::TestWithParam<SweepCase> {};

TEST_P(ControllerSweep, PassesEveryCheck) {
  const auto c = GetParam();
  RunOptions o;
  o.scenario = c.scenario;
  o.policy = PolicyKind::kController;
  o.cells = c.cells;
  o.chemistry = c.chem;
  o.imbalance_mv = c.imbalance_mv;
  o.keep_trace = false;
  const auto r = run(o);
  EXPECT_TRUE(r.pass) << failed(r);
}

std::vector<SweepCase> sweep_cases() {
  std::vector<SweepCase> v;
  for (auto s : {ScenarioKind::kFeedIn, ScenarioKind::kImbalance, ScenarioKind::kExcessPv,
                 ScenarioKind::kOffgridAc})
    for (int n = 4; n <= 16; ++n)
      for (auto [chem, mv] : {std::pair{control::Chemistry::kLfp, 0.0},
                              {control::Chemistry::kNmc, 100.0},
                              {control::Chemistry::kLfp, 300.0},
                              {control::Chemistry::kNmc, 300.0}})
        v.push_back({s, n, chem, mv});
  return v;
}

INSTANTIATE_TEST_SUITE_P(AllCellCounts, ControllerSweep, ::testing::ValuesIn(sweep_cases()),
                         [](const auto& param_info) {
                           const SweepCase& c = param_info.param;
                           std::string n = std::string(to_string(c.scenario)) + "_" +
                                           std::to_string(c.cells) + "_" +
                                           control::to_string(c.chem) + "_" +
                                           std::to_string(static_cast<int>(c.imbalance_mv));
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// seeds/001 §1.5.4 off grid: with CCL = 0 when full the inverter/charger shifts the frequency past
// the PV inverter's over-frequency protection, the PV inverter trips and stays off for its
// reconnect delay, the loads run from the battery, and the cycle repeats while the sun shines.
TEST(NaiveStatic, TripsTheAcCoupledPvOffGrid) {
  for (auto chem : {control::Chemistry::kLfp, control::Chemistry::kNmc})
    for (int n : {4, 8, 16}) {
      const auto r = run_quiet(ScenarioKind::kOffgridAc, PolicyKind::kNaiveStatic, n, chem);
      EXPECT_FALSE(r.pass) << n;
      EXPECT_FALSE(find(r, "discharge_while_pv_covers_pct")->pass) << n;
      // (The imbalanced NMC pack reaches its "full" cell voltage at 88 % SOC, below the latch's
      // 95 % release, so that BMS toggles CCL every second instead and the frequency never gets
      // to the protection: it fails on the discharge alone.)
      if (chem == control::Chemistry::kLfp) {
        EXPECT_GE(find(r, "acpv_trips")->value, 2) << n;
      }
    }
  // The controller, in the same runs, never trips it.
  const auto c = run_quiet(ScenarioKind::kOffgridAc, PolicyKind::kController, 4);
  EXPECT_EQ(find(c, "acpv_trips")->value, 0);
}

// seeds/001 §1.5.3: CCL = 0 when full curtails the MPPT, so the PV stops feeding in and the loads
// run from the battery.
TEST(NaiveStatic, CurtailsSolarAndDischargesInEveryGridScenario) {
  for (auto s : {ScenarioKind::kFeedIn, ScenarioKind::kImbalance, ScenarioKind::kExcessPv})
    for (int n : {8, 16}) {
      const auto r = run_quiet(s, PolicyKind::kNaiveStatic, n);
      EXPECT_FALSE(r.pass) << to_string(s) << " " << n;
      EXPECT_FALSE(find(r, "feed_in_ratio")->pass) << to_string(s) << " " << n;
      EXPECT_FALSE(find(r, "discharge_while_pv_covers_pct")->pass) << to_string(s) << " " << n;
    }
}

// seeds/001 §1.5.3: "V minus a constant" discharges the battery; with the bus at CVL + 0.4 V
// (excess PV) it drives a cell over its trip voltage instead, and off grid the surge of §1.5.4 does.
TEST(VMinusConstant, FailsEveryScenario) {
  for (auto s : {ScenarioKind::kFeedIn, ScenarioKind::kImbalance, ScenarioKind::kExcessPv}) {
    const auto r = run_quiet(s, PolicyKind::kVMinusConstant, 16);
    EXPECT_FALSE(r.pass) << to_string(s);
  }
  const auto feed = run_quiet(ScenarioKind::kFeedIn, PolicyKind::kVMinusConstant, 16);
  EXPECT_FALSE(find(feed, "discharge_while_pv_covers_pct")->pass);
  const auto excess = run_quiet(ScenarioKind::kExcessPv, PolicyKind::kVMinusConstant, 16);
  EXPECT_FALSE(find(excess, "max_cell_v")->pass);
  const auto offgrid = run_quiet(ScenarioKind::kOffgridAc, PolicyKind::kVMinusConstant, 8);
  EXPECT_FALSE(find(offgrid, "max_cell_v")->pass);
  EXPECT_FALSE(find(offgrid, "blackout_s")->pass);
}

// Off grid the CVL of "V minus a constant" is taken from the pack right after each load-off surge
// (seeds/001 §1.5.4) has lifted it, and nothing ever brings it down again: it ratchets up with the
// highest cell until that cell trips. On a 4-cell LFP pack that takes longer than the 4 h the
// off-grid test used to run (it passed then); the controller holds the same pack for the day.
TEST(VMinusConstant, OffGridRatchetsUpUntilACellTrips) {
  RunOptions o;
  o.scenario = ScenarioKind::kOffgridAc;
  o.policy = PolicyKind::kVMinusConstant;
  o.cells = 4;
  o.imbalance_mv = 0;
  o.keep_trace = false;
  const auto r = run(o);
  EXPECT_EQ(r.hours, 24);
  EXPECT_FALSE(find(r, "max_cell_v")->pass);
  EXPECT_GT(find(r, "disconnect_t_s")->value, 4 * 3600.0);
  o.hours = 4;
  EXPECT_TRUE(run(o).pass) << "the 4 h window this test guards against";
  o.hours.reset();
  o.policy = PolicyKind::kController;
  const auto c = run(o);
  EXPECT_TRUE(c.pass) << failed(c);
}

// Where a naive policy genuinely works: a balanced NMC pack whose highest cell never gets 5 mV past
// the charge voltage and whose SOC stays below 99 % never trips the "full" latch, so both naive
// policies are a static CVL at 4.10 V per cell, which seeds/001 §1.5.3 says works ("a hardcoded
// lower CVL ... works sufficiently"). With 7 cells the cells' resistance spread leaves the highest
// at 4.100 V; with 8 it sits at 4.110 V, the latch fires and the run fails.
TEST(NaiveStatic, WorksOnABalancedPackWhoseFullLatchNeverFires) {
  RunOptions o;
  o.scenario = ScenarioKind::kFeedIn;
  o.policy = PolicyKind::kNaiveStatic;
  o.chemistry = control::Chemistry::kNmc;
  o.imbalance_mv = 0;
  o.keep_trace = false;
  o.cells = 7;
  const auto works = run(o);
  EXPECT_TRUE(works.pass) << failed(works);
  EXPECT_LT(find(works, "max_cell_v")->value, 4.105);
  o.cells = 8;
  const auto fails = run(o);
  EXPECT_FALSE(fails.pass);
  EXPECT_GE(find(fails, "max_cell_v")->value, 4.105);
  EXPECT_FALSE(find(fails, "discharge_while_pv_covers_pct")->pass);
}

TEST(Simulator, EnergyBalanceCloses) {
  for (auto s : {ScenarioKind::kImbalance, ScenarioKind::kExcessPv, ScenarioKind::kOffgridAc}) {
    RunOptions o;
    o.scenario = s;
    o.cells = 15;
    o.hours = 3;
    o.keep_trace = false;
    const auto r = run(o);
    const auto& e = r.energy;
    const double in = e.pv_j + e.acpv_j + e.import_j;
    const double out = e.load_j + e.export_j;
    const double losses = e.inverter_loss_j + e.resistive_j + e.balancer_j;
    ASSERT_GT(in, 1e6);
    // The bus: what came in and did not go out reached the cells' OCV or was lost.
    EXPECT_NEAR(in - out, e.through_ocv_j + e.resistive_j + e.inverter_loss_j, 1e-6 * in);
    // What the cells hold, from their OCV curves (independent of the step arithmetic).
    EXPECT_NEAR(in - out, r.stored_j + losses, 2e-3 * in) << to_string(s);
    EXPECT_GT(e.inverter_loss_j, 0);
    EXPECT_GT(e.resistive_j, 0);
  }
}

TEST(Simulator, IsDeterministic) {
  RunOptions o;
  o.scenario = ScenarioKind::kImbalance;
  o.cells = 13;
  o.hours = 1;
  const auto a = run(o), b = run(o);
  ASSERT_EQ(a.trace.size(), b.trace.size());
  ASSERT_EQ(a.trace.size(), 3601u);  // one row per simulated second, both ends included
  for (std::size_t i = 0; i < a.trace.size(); i += 97) {
    EXPECT_EQ(a.trace[i].cvl_v, b.trace[i].cvl_v);
    EXPECT_EQ(a.trace[i].pack_i_a, b.trace[i].pack_i_a);
    EXPECT_EQ(a.trace[i].cell_v, b.trace[i].cell_v);
  }
}

TEST(Simulator, RejectsOptionsOutOfRange) {
  RunOptions o;
  o.cells = 3;
  EXPECT_THROW(run(o), std::invalid_argument);
  o.cells = 17;
  EXPECT_THROW(run(o), std::invalid_argument);
  o.cells = 8;
  o.hours = 0;
  EXPECT_THROW(run(o), std::invalid_argument);
  o.hours = 1;
  o.imbalance_mv = -5;
  EXPECT_THROW(run(o), std::invalid_argument);
}

}  // namespace
}  // namespace gxlink::sim::ess
