// SPDX-License-Identifier: MIT
#include "sim/canbms/battery_sim.hpp"

#include <gtest/gtest.h>

#include <set>

#include "drivers/canbms/gx_driver.hpp"
#include "protocols/canbms/codec.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::sim::canbms {
namespace {

TimePoint at(double s) { return time_from_seconds(10.0 + s); }

TEST(CanBmsBatterySim, EmitsEverySeedIdThatABatterySends) {
  transport::InProcessCanBus bus;
  auto ep = bus.attach("sim");
  BatterySim sim(*ep);
  auto frames = sim.frames_due(at(0));
  std::set<std::uint32_t> ids;
  for (const auto& f : frames) {
    ASSERT_TRUE(gxlink::canbms::decode(f)) << std::hex << f.id;
    ids.insert(f.id);
  }
  for (std::uint32_t id :
       {0x351u, 0x355u, 0x356u, 0x35Au, 0x35Eu, 0x35Fu, 0x370u, 0x371u, 0x372u, 0x373u, 0x374u,
        0x375u, 0x376u, 0x377u, 0x378u, 0x379u, 0x380u, 0x381u, 0x382u})
    EXPECT_TRUE(ids.count(id)) << std::hex << id;
}

TEST(CanBmsBatterySim, GxDriverReadsTheSimulatedBattery) {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, model, instances};
  transport::InProcessCanBus bus("can0");
  auto ep = bus.attach("sim");
  BatterySim sim(*ep);
  sim.force_current(-30.0);
  drivers::canbms::GxDriver gx(ctx, bus.attach("gx"));
  gx.attach();
  for (double t = 0; t <= 6; t += 0.2) {
    sim.step(at(t));
    gx.on_tick(at(t));
    bus.pump(at(t));
  }
  auto* s = gx.service();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->get("/Connected"), model::Value{std::int64_t{1}});
  EXPECT_EQ(s->get("/ProductName"), model::Value{std::string("gxlink sim BMS")});
  EXPECT_EQ(s->get("/Serial"), model::Value{std::string("SIM0000000000001")});
  EXPECT_EQ(s->get("/Dc/0/Current"), model::Value{-30.0});
  EXPECT_EQ(s->get("/Soc"), model::Value{65.0});
  EXPECT_GT(sim.keepalives_seen(), 5u);
  // A battery that goes silent is lost within 3 s.
  sim.set_silent(true);
  for (double t = 6.2; t <= 9.4; t += 0.2) {
    sim.step(at(t));
    gx.on_tick(at(t));
    bus.pump(at(t));
  }
  EXPECT_EQ(s->get("/Connected"), model::Value{std::int64_t{0}});
  EXPECT_FALSE(model::is_valid(s->get("/Info/MaxChargeCurrent")));
}

}  // namespace
}  // namespace gxlink::sim::canbms
