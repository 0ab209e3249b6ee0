// SPDX-License-Identifier: MIT
// The `[[canbms]]` and `[[canbms-bms]]` config sections through the registry, as the daemon uses
// them: good sections build drivers, unsafe or incomplete BMS-role sections are refused.
#include <gtest/gtest.h>

#include "registry/registry.hpp"

namespace gxlink::app {
namespace {

struct ConfigFixture : ::testing::Test {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, model, instances};
  std::unique_ptr<drivers::Driver> make(const char* kind, std::string_view text) {
    return registry::all().drivers.at(kind)(toml::parse(text), ctx);
  }
};

TEST_F(ConfigFixture, GxRoleSections) {
  auto d = make("canbms", R"(interface = "slcan:/dev/ttyACM0@250000")");
  EXPECT_EQ(d->kind(), "canbms");
  EXPECT_EQ(d->describe(), "ttyACM0");
  EXPECT_EQ(make("canbms", R"(interface = "socketcan:can1")")->describe(), "can1");
  EXPECT_THROW(make("canbms", R"(device_instance = 3)"), std::invalid_argument);
  EXPECT_THROW(make("canbms", R"(interface = "slcan:/dev/ttyACM0@1234")"), std::invalid_argument);
}

TEST_F(ConfigFixture, BmsRoleNeedsExplicitSaneLimits) {
  const char* ok = R"(
    interface = "slcan:/dev/ttyACM0"
    source = "com.victronenergy.battery.ttyUSB0"
    charge_voltage = 55.2
    charge_current = 100
    discharge_current = 150)";
  EXPECT_EQ(make("canbms-bms", ok)->kind(), "canbms-bms");
  EXPECT_THROW(make("canbms-bms", R"(
    interface = "slcan:/dev/ttyACM0"
    source = "com.victronenergy.battery.ttyUSB0"
    charge_current = 100
    discharge_current = 150)"),
               std::invalid_argument);  // no CVL: never guessed
  EXPECT_THROW(make("canbms-bms", R"(
    interface = "slcan:/dev/ttyACM0"
    source = "com.victronenergy.battery.ttyUSB0"
    charge_voltage = 0.0
    charge_current = 100
    discharge_current = 150)"),
               std::invalid_argument);  // CVL 0 makes the system discharge the battery
  EXPECT_THROW(make("canbms-bms", R"(
    interface = "slcan:/dev/ttyACM0"
    source = "com.victronenergy.battery.ttyUSB0"
    charge_voltage = 55.2
    charge_current = -5.0
    discharge_current = 150)"),
               std::invalid_argument);
  EXPECT_THROW(make("canbms-bms", R"(
    interface = "slcan:/dev/ttyACM0"
    charge_voltage = 55.2
    charge_current = 100
    discharge_current = 150)"),
               std::invalid_argument);  // no source
}

TEST_F(ConfigFixture, BmsRoleWithTheController) {
  const char* ok = R"(
    interface = "socketcan:can0"
    source = "com.victronenergy.battery.canopen_bank"
    policy = "controller"
    chemistry = "lfp"
    cells = 16
    charge_voltage = 55.2
    charge_current = 100
    discharge_current = 150
    controller = { cell_target_v = 3.50, update_period_s = 30, ccl_soc = [[90, 1], [99, 0.2]] })";
  EXPECT_EQ(make("canbms-bms", ok)->kind(), "canbms-bms");
  const std::string base = R"(
    interface = "socketcan:can0"
    source = "com.victronenergy.battery.canopen_bank"
    charge_voltage = 27.6
    charge_current = 100
    discharge_current = 150
    policy = "controller")";
  EXPECT_THROW(make("canbms-bms", base), std::invalid_argument);  // no chemistry / cells
  EXPECT_THROW(make("canbms-bms", base + "\nchemistry = \"lfp\"\ncells = 17"),
               std::invalid_argument);
  EXPECT_EQ(make("canbms-bms", base + "\nchemistry = \"lfp\"\ncells = 8")->kind(), "canbms-bms");
  EXPECT_THROW(make("canbms-bms", base + "\nchemistry = \"lfp\"\ncells = 8\n"
                                         "controller = { cell_charge_v = 3.40 }"),
               std::invalid_argument);  // 8 × 3.40 contradicts charge_voltage = 27.6
  EXPECT_THROW(make("canbms-bms", base + "\nchemistry = \"lfp\"\ncells = 4"),
               std::invalid_argument);  // 27.6 V on 4 cells is 6.9 V a cell
  EXPECT_THROW(make("canbms-bms", base + "\nchemistry = \"lfp\"\ncells = 8\n"
                                         "controller = { cell_float_v = 3.6 }"),
               std::invalid_argument);  // float above charge
  EXPECT_THROW(make("canbms-bms", base + "\nchemistry = \"nmc\"\ncells = 8\n"
                                         "controller = { ccl_soc = [[95, 1], [90, 0.5]] }"),
               std::invalid_argument);  // breakpoints must rise
  // The schema knows every key of the controller table.
  const auto& schema = registry::all().drivers.at("canbms-bms").schema;
  const auto* table = schema.find("controller");
  ASSERT_NE(table, nullptr);
  ASSERT_TRUE(table->fields);
  for (const char* k : {"kp", "ki", "update_period_s", "cell_hysteresis_v", "ccl_temperature",
                        "dcl_cell_v", "rebulk_soc_pct", "max_fall_v_per_s"})
    EXPECT_NE(table->fields->find(k), nullptr) << k;
}

TEST_F(ConfigFixture, DecoderSnapshotAndDemoAreRegistered) {
  EXPECT_TRUE(registry::all().decoders.count("canbms"));
  EXPECT_TRUE(registry::all().snapshots.count("canbms"));
  bool demo = false;
  for (const auto& [name, fn] : registry::all().demos) demo |= name == "canbms";
  EXPECT_TRUE(demo);
}

}  // namespace
}  // namespace gxlink::app
