// SPDX-License-Identifier: MIT
// The charge controller's state machine, PI behaviour and current limits, driven with time as an
// input (one call per simulated second).
#include "control/charge_controller.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace gxlink::control {
namespace {

/// A pack whose cells all sit at `cell_v` except the highest at `cell_max`, carrying `current`.
Measurement pack(int cells, double cell_v, double cell_max, double current = 0, double soc = 95) {
  Measurement m;
  m.pack_v = cell_v * (cells - 1) + cell_max;
  m.current_a = current;
  m.soc_pct = soc;
  m.cell_min_v = cell_v;
  m.cell_max_v = cell_max;
  m.temp_min_c = m.temp_max_c = 25;
  return m;
}

struct Driver {
  ChargeController c;
  double t = 1000;
  std::vector<std::pair<double, double>> cvl_changes;  // (t, cvl)
  ControlOutput last{};
  bool first = true;

  explicit Driver(ControllerConfig cfg) : c(std::move(cfg)) {}
  ControlOutput step(const Measurement& m) {
    auto out = c.update(m, time_from_seconds(t));
    if (!first && out.cvl_v != last.cvl_v) cvl_changes.push_back({t, out.cvl_v});
    first = false;
    last = out;
    t += 1;
    return out;
  }
  ControlOutput run(const Measurement& m, int seconds) {
    for (int i = 0; i < seconds - 1; ++i) step(m);
    return step(m);
  }
};

TEST(ControllerConfig, DefaultsAreValidForEveryCellCountAndChemistry) {
  for (auto chem : {Chemistry::kLfp, Chemistry::kNmc})
    for (int n = 4; n <= 16; ++n) EXPECT_EQ(defaults_for(chem, n).check(), "") << n;
  EXPECT_NE(defaults_for(Chemistry::kLfp, 3).check(), "");
  EXPECT_NE(defaults_for(Chemistry::kLfp, 17).check(), "");
  auto c = defaults_for(Chemistry::kLfp, 16);
  c.cell_float_v = 3.5;  // above the charge voltage
  EXPECT_NE(c.check(), "");
  c = defaults_for(Chemistry::kNmc, 8);
  c.update_period_s = 0.5;
  EXPECT_NE(c.check(), "");
  c = defaults_for(Chemistry::kNmc, 8);
  c.ccl_soc = {{90, 80}, {1, 0.5}};
  EXPECT_NE(c.check(), "");
}

TEST(ChargeController, StartsInBulkAtTheNominalChargeVoltage) {
  Driver d(defaults_for(Chemistry::kLfp, 16));
  auto out = d.step(pack(16, 3.30, 3.31, 40, 60));
  EXPECT_EQ(out.phase, ChargePhase::kBulk);
  EXPECT_NEAR(out.cvl_v, 55.2, 1e-9);  // 16 × 3.45
  EXPECT_DOUBLE_EQ(out.ccl_a, 50);     // 0.5 C of 100 Ah
  EXPECT_DOUBLE_EQ(out.dcl_a, 100);
  // 15 cells: 51.75 V is not a 0.1 V value; the CVL is rounded down, never up.
  Driver d15(defaults_for(Chemistry::kLfp, 15));
  EXPECT_NEAR(d15.step(pack(15, 3.30, 3.31)).cvl_v, 51.7, 1e-9);
}

TEST(ChargeController, BulkToAbsorptionToFloatWhenBalancedAtTheTop) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  Driver d(cfg);
  d.run(pack(16, 3.35, 3.36, 40, 80), 60);
  EXPECT_EQ(d.c.phase(), ChargePhase::kBulk);
  // At the top but still charging hard: absorption, and its timer does not run.
  d.run(pack(16, 3.42, 3.43, 20, 97), 2000);
  EXPECT_EQ(d.c.phase(), ChargePhase::kAbsorption);
  // Tail current, balanced: float after absorption_s.
  d.run(pack(16, 3.43, 3.44, 1, 99), static_cast<int>(cfg.absorption_s) - 10);
  EXPECT_EQ(d.c.phase(), ChargePhase::kAbsorption);
  d.run(pack(16, 3.43, 3.44, 1, 99), 20);
  EXPECT_EQ(d.c.phase(), ChargePhase::kFloat);
}

TEST(ChargeController, AnImbalanceThatDoesNotGoAwayStillEndsInFloat) {
  auto cfg = defaults_for(Chemistry::kLfp, 8);
  Driver d(cfg);
  d.run(pack(8, 3.40, 3.44, 1, 97), 10);
  ASSERT_EQ(d.c.phase(), ChargePhase::kAbsorption);
  d.run(pack(8, 3.40, 3.44, 1, 97), static_cast<int>(cfg.absorption_max_s) + 5);
  EXPECT_EQ(d.c.phase(), ChargePhase::kFloat);
}

TEST(ChargeController, RebulkOnLowSocOrLowVoltage) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  cfg.absorption_s = 10;
  Driver d(cfg);
  d.run(pack(16, 3.43, 3.44, 0, 99), 30);
  ASSERT_EQ(d.c.phase(), ChargePhase::kFloat);
  d.run(pack(16, 3.32, 3.33, -10, 89), 1);
  EXPECT_EQ(d.c.phase(), ChargePhase::kBulk);

  Driver v(cfg);
  v.run(pack(16, 3.43, 3.44, 0, 99), 30);
  ASSERT_EQ(v.c.phase(), ChargePhase::kFloat);
  Measurement low = pack(16, 3.15, 3.16, -80, 95);  // SOC still high, voltage sagging
  v.run(low, static_cast<int>(cfg.rebulk_delay_s) - 5);
  EXPECT_EQ(v.c.phase(), ChargePhase::kFloat);
  v.run(low, 10);
  EXPECT_EQ(v.c.phase(), ChargePhase::kBulk);
}

TEST(ChargeController, HighCellLowersCvlAtMostOncePerUpdatePeriodAndBoundedInRate) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  Driver d(cfg);
  d.run(pack(16, 3.40, 3.44, 10), 30);
  const double before = d.last.cvl_v;
  d.run(pack(16, 3.40, 3.60, 10), 400);  // one cell far above its set-point
  EXPECT_LT(d.last.cvl_v, before - 0.5);
  ASSERT_GE(d.cvl_changes.size(), 3u);
  const double max_step = cfg.max_fall_v_per_s * cfg.cells * cfg.update_period_s + 0.1;
  double prev_t = 0, prev_v = before;
  for (auto [t, v] : d.cvl_changes) {
    if (prev_t > 0) {
      EXPECT_GE(t - prev_t, cfg.update_period_s - 1e-9);
    }
    EXPECT_LE(prev_v - v, max_step + 1e-9);
    EXPECT_NEAR(v * 10, std::round(v * 10), 1e-6);  // 0x351 resolution
    prev_t = t;
    prev_v = v;
  }
}

TEST(ChargeController, HoldsStillInsideTheHysteresisBand) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  Driver d(cfg);
  d.run(pack(16, 3.40, 3.60, 5), 120);  // pulled down
  d.run(pack(16, 3.30, 3.44, 0), 60);   // the last publish catches up with the internal CVL
  const auto changes = d.cvl_changes.size();
  const double held = d.last.cvl_v;
  // The highest cell anywhere inside [target - hysteresis, target]: no change for an hour.
  for (double v : {3.44, 3.40, 3.36, 3.42, 3.449}) d.run(pack(16, 3.30, v, 0), 900);
  EXPECT_EQ(d.cvl_changes.size(), changes);
  EXPECT_DOUBLE_EQ(d.last.cvl_v, held);
}

TEST(ChargeController, RecoversWithoutWindupAfterLongSaturation) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  Driver d(cfg);
  // A stuck-high cell, still charged, for two hours drives the CVL to its floor...
  d.run(pack(16, 3.30, 3.62, 2), 7200);
  EXPECT_NEAR(d.last.cvl_v, cfg.cells * cfg.cell_min_v, 0.1);
  // ...and once it is below the band the CVL starts rising within a few update periods, at the
  // bounded rate, instead of first unwinding hours of integral.
  d.cvl_changes.clear();
  d.run(pack(16, 3.25, 3.30, 0), 120);
  ASSERT_FALSE(d.cvl_changes.empty());
  EXPECT_GT(d.cvl_changes.back().second, cfg.cells * cfg.cell_min_v);
}

TEST(ChargeController, DoesNotLowerTheCvlWhileThePackIsNotCharging) {
  Driver d(defaults_for(Chemistry::kLfp, 16));
  d.run(pack(16, 3.35, 3.36, 5), 30);
  const double before = d.last.cvl_v;
  // A high cell on a resting or discharging pack: a lower CVL would only discharge the pack.
  d.run(pack(16, 3.35, 3.55, 0), 300);
  d.run(pack(16, 3.35, 3.55, -3), 300);
  EXPECT_DOUBLE_EQ(d.last.cvl_v, before);
  d.run(pack(16, 3.35, 3.55, 3), 60);  // charging: now it comes down
  EXPECT_LT(d.last.cvl_v, before);
}

TEST(ChargeController, NeverCclZeroMerelyBecauseFull) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  Driver d(cfg);
  // 100 % SOC, highest cell above every derating breakpoint but below protection.
  auto out = d.run(pack(16, 3.44, 3.58, 0, 100), 60);
  EXPECT_GT(out.ccl_a, 0);
  EXPECT_NEAR(out.ccl_a, cfg.ccl_max_a * cfg.ccl_full_floor, 0.1);
  // A cell at its protection voltage is another matter, once it has stayed there: a surge of a
  // few seconds (seeds/001 §1.5.4) only takes the CCL to its floor.
  out = d.run(pack(16, 3.44, cfg.cell_protect_v + 0.01, 0, 100), 1);
  EXPECT_NEAR(out.ccl_a, cfg.ccl_max_a * cfg.ccl_full_floor, 0.1);
  out = d.run(pack(16, 3.44, cfg.cell_protect_v + 0.01, 0, 100),
              static_cast<int>(cfg.protect_delay_s) - 5);
  EXPECT_GT(out.ccl_a, 0);
  d.run(pack(16, 3.44, 3.50, 0, 100), 1);  // back under: the timer starts again
  out = d.run(pack(16, 3.44, cfg.cell_protect_v + 0.01, 0, 100),
              static_cast<int>(cfg.protect_delay_s) - 5);
  EXPECT_GT(out.ccl_a, 0);
  out = d.run(pack(16, 3.44, cfg.cell_protect_v + 0.01, 0, 100), 6);
  EXPECT_DOUBLE_EQ(out.ccl_a, 0);
  // No usable reading is protection at once.
  Driver nan_driver(cfg);
  Measurement m = pack(16, 3.44, 3.45, 0, 100);
  m.cell_max_v = std::nan("");
  EXPECT_DOUBLE_EQ(nan_driver.step(m).ccl_a, 0);
}

// seeds/001 §1.5.3: a CVL below what the pack holds makes the system discharge it. A high cell
// stuck above its set-point (imbalance) keeps asking for a lower CVL; with the bus held at the
// CVL, the pack's current is (CVL - what the cells hold) / R, and 0x351's 0.1 V steps are 6 A on
// this pack. The CVL comes down while that still leaves a charge, learns R from its own steps, and
// stops at the last step that does not turn the charge into a discharge.
TEST(ChargeController, NeverStepsTheCvlBelowWhatTheCellsHold) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  Driver d(cfg);
  const double held = 54.97, r = 0.016;  // the cells' OCV sum, the pack resistance
  double cvl = 55.2, lowest = cvl;
  for (int s = 0; s < 1800; ++s) {
    const double i = (cvl - held) / r;  // the inverter holds the bus at CVL
    Measurement m = pack(16, 3.43, 3.50, i, 97);
    m.pack_v = cvl;
    cvl = d.step(m).cvl_v;
    lowest = std::min(lowest, cvl);
  }
  EXPECT_NEAR(lowest, 55.0, 1e-9);  // 54.9 would discharge at 4.4 A
  ASSERT_TRUE(d.c.learned_resistance_ohm().has_value());
  EXPECT_NEAR(*d.c.learned_resistance_ohm(), r, 0.002);
}

// Without a response (the CCL, not the CVL, holds the current) a step teaches nothing and the
// CVL may come down to the pack's voltage freely; a discharging pack with nothing learned is held.
TEST(ChargeController, HoldsTheCvlOnADischargingPackWhenNothingIsLearned) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  Driver d(cfg);
  Measurement m = pack(16, 3.43, 3.50, 5, 97);
  m.pack_v = 54.0;  // well below the CVL: the CCL holds the current
  d.run(m, 200);
  EXPECT_FALSE(d.c.learned_resistance_ohm().has_value());
  const double before = d.last.cvl_v;
  EXPECT_LT(before, 55.2);  // it came down into the headroom
  m.current_a = -20;
  m.pack_v = before + 0.3;  // discharging at a bus above the CVL: lowering would only drain it
  d.run(m, 300);
  EXPECT_GE(d.last.cvl_v, before);
}

TEST(ChargeController, CurrentLimitsFollowTheDeratingTables) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  Driver d(cfg);
  Measurement m = pack(16, 3.30, 3.31, 10, 50);
  m.temp_min_c = 1;  // charge temperature table: 0.125 at 1 °C
  auto out = d.run(m, 25);
  EXPECT_NEAR(out.ccl_a, cfg.ccl_max_a * 0.125, 0.1);
  m.temp_min_c = -1;
  out = d.run(m, 1);  // below 0 °C: no charging, applied at once
  EXPECT_DOUBLE_EQ(out.ccl_a, 0);
  // Discharge: the lowest cell at 2.95 V is halfway between 0.05 and 0.25.
  Measurement low = pack(16, 2.95, 3.0, -20, 30);
  out = d.run(low, 25);
  EXPECT_NEAR(out.dcl_a, cfg.dcl_max_a * 0.15, 0.1);
  low.soc_pct = 5;
  out = d.run(low, 25);
  EXPECT_NEAR(out.dcl_a, cfg.dcl_max_a * 0.1, 0.1);
}

TEST(ChargeController, FallsTowardsFloatOnlyWhileCharging) {
  auto cfg = defaults_for(Chemistry::kLfp, 16);
  cfg.absorption_s = 10;
  Driver d(cfg);
  d.run(pack(16, 3.43, 3.44, 0, 99), 40);
  ASSERT_EQ(d.c.phase(), ChargePhase::kFloat);
  // Resting: lowering the CVL now would make the inverter discharge the battery to it.
  d.run(pack(16, 3.43, 3.44, 0, 99), 600);
  EXPECT_NEAR(d.last.cvl_v, 55.2, 1e-9);
  // Charging: it falls, at the bounded rate, to the float voltage.
  d.run(pack(16, 3.40, 3.41, 5, 99), 3600);
  EXPECT_NEAR(d.last.cvl_v, 54.0, 1e-9);  // 16 × 3.375
}

TEST(ChargeController, MissingCellDataFallsBackToPackVoltage) {
  Driver d(defaults_for(Chemistry::kNmc, 8));
  Measurement m;
  m.pack_v = 8 * 4.25;  // every cell above its target
  m.current_a = 5;
  auto first = d.step(m);
  d.run(m, 200);
  EXPECT_LT(d.last.cvl_v, first.cvl_v);
}

}  // namespace
}  // namespace gxlink::control
