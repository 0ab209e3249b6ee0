// SPDX-License-Identifier: MIT
// Issue 6 item 4 is configuration only: a [[canopen]] bank and a [[canbms-bms]] section whose
// source is the bank's aggregate build both drivers through the registry, as the daemon does.
#include <gtest/gtest.h>

#include "registry/registry.hpp"

namespace gxlink {
namespace {

TEST(CanopenBms, ConfigurationOnlyBuildsBothDrivers) {
  // The two sections of config/gxlink.example.toml, through the registry as the daemon uses them.
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, model, instances};
  const auto& reg = registry::all();
  auto canopen = reg.drivers.at("canopen")(toml::parse(R"(
    interface = "socketcan:can1"
    nodes = [1, 2])"),
                                           ctx);
  EXPECT_EQ(canopen->kind(), "canopen");
  // Started (the SocketCAN bus may be absent here: it then stays closed), the driver publishes the
  // aggregate under the very name the BMS role is told to read.
  canopen->start();
  EXPECT_NE(model.find("com.victronenergy.battery.canopen_bank"), nullptr);
  canopen->stop();
  auto bms = reg.drivers.at("canbms-bms")(toml::parse(R"(
    interface = "socketcan:can0"
    source = "com.victronenergy.battery.canopen_bank"
    charge_voltage = 14.2
    charge_current = 80
    discharge_current = 120)"),
                                          ctx);
  EXPECT_EQ(bms->kind(), "canbms-bms");
  EXPECT_EQ(bms->describe(), "com.victronenergy.battery.canopen_bank -> can0");
}

}  // namespace
}  // namespace gxlink
