// SPDX-License-Identifier: MIT
#include "control/derating.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace gxlink::control {
namespace {

// The charge temperature table of reference/canbms_canopen.md §1.4.
const DerateTable kTemp{{0, 2, 5, 10, 40, 45, 50, 55}, {0, 0.25, 0.5, 1, 1, 0.5, 0.25, 0}};

TEST(DerateTable, InterpolatesBetweenBreakpoints) {
  EXPECT_DOUBLE_EQ(kTemp.at(1), 0.125);
  EXPECT_DOUBLE_EQ(kTemp.at(7.5), 0.75);
  EXPECT_DOUBLE_EQ(kTemp.at(25), 1.0);
  EXPECT_DOUBLE_EQ(kTemp.at(47.5), 0.375);
  EXPECT_DOUBLE_EQ(kTemp.at(45), 0.5);
}

TEST(DerateTable, HoldsTheEndValuesBeyondTheTable) {
  EXPECT_DOUBLE_EQ(kTemp.at(-30), 0.0);
  EXPECT_DOUBLE_EQ(kTemp.at(80), 0.0);
  const DerateTable soc{{85, 90, 95, 98}, {1, 0.5, 0.2, 0.1}};
  EXPECT_DOUBLE_EQ(soc.at(50), 1.0);
  EXPECT_DOUBLE_EQ(soc.at(100), 0.1);
}

TEST(DerateTable, EmptyMeansNoDerating) { EXPECT_DOUBLE_EQ(DerateTable{}.at(12.3), 1.0); }

TEST(DerateTable, NanReadingTakesTheSmallerEndFactor) {
  EXPECT_DOUBLE_EQ(kTemp.at(std::nan("")), 0.0);
  const DerateTable rising{{0, 10}, {0.2, 1}};
  EXPECT_DOUBLE_EQ(rising.at(std::nan("")), 0.2);
}

TEST(DerateTable, CheckRejectsBadTables) {
  EXPECT_EQ(kTemp.check(), "");
  EXPECT_NE((DerateTable{{1, 2}, {1}}).check(), "");
  EXPECT_NE((DerateTable{{1, 1}, {1, 0.5}}).check(), "");
  EXPECT_NE((DerateTable{{2, 1}, {1, 0.5}}).check(), "");
  EXPECT_NE((DerateTable{{1, 2}, {1, 1.5}}).check(), "");
  EXPECT_NE((DerateTable{{1, 2}, {-0.1, 1}}).check(), "");
  EXPECT_NE((DerateTable{{1, std::nan("")}, {1, 1}}).check(), "");
}

}  // namespace
}  // namespace gxlink::control
