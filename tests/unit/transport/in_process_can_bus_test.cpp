// SPDX-License-Identifier: MIT
#include "transport/in_process_can_bus.hpp"

#include <gtest/gtest.h>

namespace gxlink::transport {
namespace {

TEST(InProcessCanBus, FramesReachEveryOtherEndpointButNotTheSender) {
  InProcessCanBus bus("can0");
  auto a = bus.attach("a");
  auto b = bus.attach("b");
  auto c = bus.attach("c");
  int got_a = 0, got_b = 0, got_c = 0;
  a->set_receiver([&](const CanFrame&, TimePoint) { ++got_a; });
  b->set_receiver([&](const CanFrame&, TimePoint) { ++got_b; });
  c->set_receiver([&](const CanFrame&, TimePoint) { ++got_c; });
  a->send(CanFrame::standard(0x351, {1, 2}));
  EXPECT_EQ(got_b, 0);  // deferred until pump
  EXPECT_EQ(bus.pump(TimePoint{}), 1u);
  EXPECT_EQ(got_a, 0);
  EXPECT_EQ(got_b, 1);
  EXPECT_EQ(got_c, 1);
  EXPECT_EQ(a->interface_name(), "can0");
}

TEST(InProcessCanBus, RepliesSentWhileDeliveringAreDeliveredInTheSamePump) {
  InProcessCanBus bus;
  auto a = bus.attach("a");
  auto b = bus.attach("b");
  std::vector<std::uint32_t> seen_by_a;
  b->set_receiver([&](const CanFrame& f, TimePoint) {
    if (f.id == 0x601) b->send(CanFrame::standard(0x581, {0x43}));
  });
  a->set_receiver([&](const CanFrame& f, TimePoint) { seen_by_a.push_back(f.id); });
  a->send(CanFrame::standard(0x601, {0x40}));
  EXPECT_EQ(bus.pump(TimePoint{}), 2u);
  EXPECT_EQ(seen_by_a, std::vector<std::uint32_t>{0x581});
}

TEST(InProcessCanBus, SchedulerIsCalledOncePerBatchAndDetachedEndpointsAreSkipped) {
  InProcessCanBus bus;
  int scheduled = 0;
  bus.set_scheduler([&] { ++scheduled; });
  auto a = bus.attach("a");
  auto b = bus.attach("b");
  int got = 0;
  b->set_receiver([&](const CanFrame&, TimePoint) { ++got; });
  a->send(CanFrame::standard(1, {}));
  a->send(CanFrame::standard(2, {}));
  EXPECT_EQ(scheduled, 1);
  b.reset();
  bus.pump(TimePoint{});
  EXPECT_EQ(got, 0);
}

}  // namespace
}  // namespace gxlink::transport
