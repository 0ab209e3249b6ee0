// SPDX-License-Identifier: MIT
// The app's nmea2000 entries: the `[[nmea2000]]` driver factory on a replayed capture, its
// errors, and the decoder on a stream.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <sstream>

#include "registry/registry.hpp"

namespace gxlink::app {
namespace {

TEST(Nmea2000Registry, ReplayDriverMapsTheCaptureIntoServices) {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, model, instances};
  toml::table cfg;
  cfg.insert("replay", std::string(GXLINK_TEST_DATA) + "/nmea2000/vecan_sim.log");
  cfg.insert("speed", 50.0);  // 60 s of capture in ~1.2 s
  auto d = registry::all().drivers.at("nmea2000")(cfg, ctx);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->kind(), "nmea2000");
  d->start();
  for (int i = 0; i < 100 && !model.find("com.victronenergy.battery.socketcan_can0_di0_uc144470");
       ++i)
    io.run_for(std::chrono::milliseconds(50));
  io.run_for(std::chrono::milliseconds(500));
  d->stop();
  const auto* mppt = model.find("com.victronenergy.solarcharger.socketcan_can0_di0_uc74565");
  ASSERT_NE(mppt, nullptr);
  EXPECT_TRUE(model::is_valid(mppt->get("/Pv/V")));
  ASSERT_NE(model.find("com.victronenergy.battery.socketcan_can0_di0_uc144470"), nullptr);
}

TEST(Nmea2000Registry, InterfaceIsATransportSpecAndABadOneIsAClearError) {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, model, instances};
  toml::table bad;
  bad.insert("interface", "carrier-pigeon:can7");
  EXPECT_ANY_THROW(registry::all().drivers.at("nmea2000")(bad, ctx));
  toml::table live;
  live.insert("interface", "socketcan:can7");
  auto d = registry::all().drivers.at("nmea2000")(live, ctx);
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->describe().find("can7"), std::string::npos) << d->describe();
}

TEST(Nmea2000Registry, DecoderCountsBadLinesAndKeepsGoing) {
  std::istringstream in(
      "(1600000000.000000) can0 19F21401#001C0A0700FF70FF\n"
      "garbage line\n"
      "2016-02-28T19:57:02.364Z,6,127508,4,255,8,0b,46,0a,00,00,00,00,00\n"
      "2016-02-28T19:57:02.364Z,6,127508,4,255,8,0b,46\n");
  std::ostringstream out, err;
  const auto st = registry::all().decoders.at("nmea2000")(in, out, err);
  EXPECT_EQ(st.messages, 2u);
  EXPECT_EQ(st.errors, 2u);
  EXPECT_NE(out.str().find(
                R"("fields":{"Instance":0,"Voltage":25.88,"Current":0.7,"Temperature":289.27})"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find(R"("timestamp":"2020-09-13T12:26:40.000Z")"), std::string::npos)
      << out.str();
}

}  // namespace
}  // namespace gxlink::app
