// SPDX-License-Identifier: MIT
// The demo as a real installation is wired (issue 13 item 7): VE.Can is its own 250 kbit/s bus,
// apart from the 500 kbit/s CAN-bus BMS and the 250 kbit/s CANopen bank.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <set>

#include "support/process.hpp"

namespace gxlink {
namespace {

using namespace std::chrono_literals;

TEST(DemoConformance, VeCanDevicesAreOnTheirOwnBus) {
  const int port = test::free_tcp_port();
  test::Process gx({GXLINK_BINARY, "run", "--demo", "--no-tui", "--dbus", "none", "--http",
                    "127.0.0.1:" + std::to_string(port)});
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1);
  nlohmann::json model;
  auto has_prefix = [&](const std::string& prefix) {
    for (auto& [name, paths] : model.items())
      if (name.starts_with(prefix)) return true;
    return false;
  };
  ASSERT_TRUE(test::eventually(
      [&] {
        auto res = cli.Get("/api/model");
        if (!res || res->status != 200) return false;
        model = nlohmann::json::parse(res->body, nullptr, false);
        return model.is_object() && has_prefix("com.victronenergy.solarcharger.socketcan_can2_") &&
               has_prefix("com.victronenergy.battery.socketcan_can0");
      },
      15s))
      << gx.output() << model.dump(1);
  for (auto& [name, paths] : model.items()) {
    // NMEA 2000 services carry the bus in their name: none may be on the BMS or CANopen bus.
    if (name.find("_di") == std::string::npos) continue;
    EXPECT_NE(name.find("socketcan_can2_"), std::string::npos) << name;
  }
  EXPECT_EQ(gx.stop(), 0) << gx.output();
}

// Issue 13: Driver::health() was never read. GET /api/health (DESIGN.md) gives each driver's state.
TEST(DemoConformance, HealthListsEveryDriverAndItsState) {
  const int port = test::free_tcp_port();
  test::Process gx({GXLINK_BINARY, "run", "--demo", "--no-tui", "--dbus", "none", "--http",
                    "127.0.0.1:" + std::to_string(port)});
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1);
  nlohmann::json health;
  ASSERT_TRUE(test::eventually(
      [&] {
        auto res = cli.Get("/api/health");
        if (!res || res->status != 200) return false;
        health = nlohmann::json::parse(res->body, nullptr, false);
        return health.is_object() && health["model"]["connected"].get<int>() >= 8;
      },
      15s))
      << gx.output() << health.dump(1);
  ASSERT_TRUE(health["drivers"].is_array());
  EXPECT_GE(health["drivers"].size(), 6u);  // vedirect x2, vebus, canbms, nmea2000, canopen
  std::set<std::string> kinds;
  for (const auto& d : health["drivers"]) {
    kinds.insert(d["kind"].get<std::string>());
    EXPECT_TRUE(d["state"] == "ok" || d["state"] == "warning" || d["state"] == "failed") << d;
  }
  for (const char* k : {"vedirect", "vebus", "nmea2000", "canopen"})
    EXPECT_TRUE(kinds.count(k)) << k << " missing from " << health.dump();
  EXPECT_TRUE(health["status"].is_string());
  EXPECT_EQ(gx.stop(), 0) << gx.output();
}

}  // namespace
}  // namespace gxlink
