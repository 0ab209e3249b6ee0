// SPDX-License-Identifier: MIT
#include "protocols/canopen/node_monitor.hpp"

#include <gtest/gtest.h>

namespace gxlink::canopen {
namespace {

const TimePoint kT0 = TimePoint{} + seconds(10);

TEST(NodeMonitor, TracksStateAndBootUp) {
  NodeMonitor m;
  auto u = m.on_heartbeat({1, NmtState::kBootUp, false}, kT0);
  EXPECT_TRUE(u.boot_up);
  EXPECT_TRUE(u.state_changed);
  u = m.on_heartbeat({1, NmtState::kPreOperational, false}, kT0 + seconds(1));
  EXPECT_FALSE(u.boot_up);
  EXPECT_TRUE(u.state_changed);
  EXPECT_EQ(m.state(1), NmtState::kPreOperational);
  EXPECT_EQ(m.last_heartbeat(1), kT0 + seconds(1));
  EXPECT_FALSE(m.state(2));
}

TEST(NodeMonitor, OneProducerWithJitterIsNotADuplicate) {
  NodeMonitor m;
  TimePoint t = kT0;
  for (int i = 0; i < 60; ++i) {
    t += milliseconds(i % 2 ? 950 : 1050);
    EXPECT_FALSE(m.on_heartbeat({1, NmtState::kOperational, false}, t).duplicate);
  }
}

TEST(NodeMonitor, TwoProducersOnOneIdAreSuspected) {
  NodeMonitor m;
  bool seen = false;
  for (int i = 0; i < 30; ++i) {
    const TimePoint t = kT0 + seconds(i);
    if (m.on_heartbeat({1, NmtState::kOperational, false}, t).duplicate_changed) seen = true;
    if (m.on_heartbeat({1, NmtState::kOperational, false}, t + milliseconds(400)).duplicate_changed)
      seen = true;
    if (i < 8) {
      EXPECT_FALSE(m.duplicate_suspected(1)) << "needs a full window first";
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_TRUE(m.duplicate_suspected(1));
}

TEST(NodeMonitor, FlippingStatesAreSuspected) {
  NodeMonitor m;
  for (int i = 0; i < 6; ++i)
    m.on_heartbeat({1, i % 2 ? NmtState::kOperational : NmtState::kPreOperational, false},
                   kT0 + seconds(i));
  EXPECT_TRUE(m.duplicate_suspected(1));
}

}  // namespace
}  // namespace gxlink::canopen
