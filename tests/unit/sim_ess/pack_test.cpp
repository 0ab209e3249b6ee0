// SPDX-License-Identifier: MIT
#include "sim/ess/pack.hpp"

#include <gtest/gtest.h>

namespace gxlink::sim::ess {
namespace {

TEST(OcvCurve, IntegralIsExactForThePiecewiseLinearCurve) {
  const auto& c = ocv_curve(control::Chemistry::kLfp);
  // Over one segment the integral is the trapezoid.
  EXPECT_NEAR(c.integral(0.5, 0.7), 0.2 * (3.29 + 3.31) / 2, 1e-12);
  // Additive across breakpoints, and antisymmetric.
  EXPECT_NEAR(c.integral(0.1, 0.99), c.integral(0.1, 0.6) + c.integral(0.6, 0.99), 1e-12);
  EXPECT_NEAR(c.integral(0.9, 0.2), -c.integral(0.2, 0.9), 1e-12);
}

TEST(OcvCurve, SocAtInvertsAt) {
  for (auto chem : {control::Chemistry::kLfp, control::Chemistry::kNmc}) {
    const auto& c = ocv_curve(chem);
    for (double s : {0.05, 0.3, 0.9, 0.99, 1.005}) EXPECT_NEAR(c.soc_at(c.at(s)), s, 1e-9);
  }
}

TEST(Pack, ImbalanceStartsOneCellAheadByTheMillivoltsAtFloat) {
  PackParams p;
  p.cells = 8;
  p.imbalance_mv = 100;
  Pack pack(p);
  const auto& c = ocv_curve(control::Chemistry::kLfp);
  const double s_float = c.soc_at(3.375);
  EXPECT_NEAR(c.at(s_float + pack.imbalance_soc()) - c.at(s_float), 0.100, 1e-9);
  int ahead = 0;
  for (int i = 0; i < 8; ++i) ahead += pack.cell_soc(i) > p.initial_soc + 1e-9;
  EXPECT_EQ(ahead, 1);
}

TEST(Pack, ChargeMovesSocByAmpHoursOverCapacity) {
  PackParams p;
  p.cells = 4;
  p.balancer_a = 0;
  Pack pack(p);
  const double before = pack.cell_soc(0);
  pack.step(36, 100);  // 1 Ah
  EXPECT_NEAR(pack.cell_soc(0) - before, 1 / pack.cell_capacity_ah(0), 1e-12);
}

TEST(Pack, BalancerBleedsOnlyTheHighCellsAtTheTop) {
  PackParams p;
  p.cells = 4;
  p.initial_soc = 0.99;
  p.imbalance_mv = 80;
  Pack pack(p);
  const auto e = pack.step(0, 10);
  EXPECT_GT(e.balancer_j, 0);
  PackParams low = p;
  low.initial_soc = 0.5;
  low.imbalance_mv = 0;
  Pack rest(low);
  EXPECT_EQ(rest.step(0, 10).balancer_j, 0);
}

}  // namespace
}  // namespace gxlink::sim::ess
