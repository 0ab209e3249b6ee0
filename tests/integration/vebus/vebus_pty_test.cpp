// SPDX-License-Identifier: MIT
// The real driver (SerialPort + session + mapping) against the simulated Multi on a real pty.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include <asio/io_context.hpp>

#include "drivers/vebus/vebus_driver.hpp"
#include "sim/vebus/pty_multi_sim.hpp"
#include "transport/serial_port.hpp"

namespace gxlink::drivers::vebus {
namespace {

namespace vb = gxlink::vebus;
using sim::vebus::MultiSimOptions;
using sim::vebus::PtyMultiSim;

struct PtyRig {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  PtyMultiSim sim;
  std::unique_ptr<VebusDriver> driver;
  std::vector<vb::WriteCompletion> done;

  explicit PtyRig(MultiSimOptions so = {}, std::string port = {},
                  Duration dvcc_hold = seconds(60)) : sim(io, so) {
    VebusDriverOptions o;
    o.dvcc_hold = dvcc_hold;
    o.connection = "ttyUSB0";
    driver = std::make_unique<VebusDriver>(
        ctx,
        std::make_unique<transport::SerialPort>(
            io, transport::SerialOptions{port.empty() ? sim.slave_path() : port, 2400}),
        o);
    driver->set_completion_handler([this](const vb::WriteCompletion& c) { done.push_back(c); });
    driver->start();
  }
  ~PtyRig() {
    driver->stop();
    sim.stop();
  }
  const model::Service& svc() { return *model.find("com.victronenergy.vebus.ttyUSB0"); }
  template <class Pred>
  bool run_until(Pred p, Duration max = seconds(60)) {
    const auto end = Clock::now() + max;
    while (Clock::now() < end) {
      io.run_for(milliseconds(20));
      model.flush();
      if (p()) return true;
    }
    return false;
  }
  bool valid(const char* path) { return model::is_valid(svc().get(path)); }
  std::optional<vb::WriteCompletion> completion(std::uint32_t id) {
    for (auto& c : done)
      if (c.id == id) return c;
    return std::nullopt;
  }
};

const char* const kPaths[] = {
    "/Ac/ActiveIn/L1/V",
    "/Ac/ActiveIn/L1/I",
    "/Ac/ActiveIn/L1/F",
    "/Ac/ActiveIn/L1/P",
    "/Ac/Out/L1/V",
    "/Ac/Out/L1/I",
    "/Ac/Out/L1/F",
    "/Ac/Out/L1/P",
    "/Dc/0/Voltage",
    "/Dc/0/Current",
    "/Mode",
    "/State",
    "/VebusChargeState",
    "/Leds/Mains",
    "/Leds/Bulk",
    "/Leds/Absorption",
    "/Leds/Float",
    "/Leds/Inverter",
    "/Leds/Overload",
    "/Leds/LowBattery",
    "/Leds/Temperature",
    "/Alarms/LowBattery",
    "/Alarms/Overload",
    "/Alarms/HighTemperature",
    "/Alarms/L1/LowBattery",
    "/Alarms/L1/Overload",
    "/Alarms/L1/HighTemperature",
    "/Ac/In/1/CurrentLimit",
    "/Ac/ActiveIn/ActiveInput",
    "/Soc",
    "/Ac/NumberOfPhases",
};

bool all_valid(PtyRig& rig) {
  for (auto p : kPaths)
    if (!rig.valid(p)) return false;
  return true;
}

TEST(VebusPty, DriverReadsEveryPath) {
  PtyRig rig;
  ASSERT_TRUE(rig.run_until([&] { return all_valid(rig); }));
  const auto& s = rig.svc();
  EXPECT_EQ(s.get("/Connected"), model::Value(std::int64_t{1}));
  EXPECT_EQ(s.get("/Mode"), model::Value(std::int64_t{3}));
  EXPECT_EQ(s.get("/State"), model::Value(std::int64_t{3}));  // bulk
  EXPECT_EQ(s.get("/VebusChargeState"), model::Value(std::int64_t{1}));
  EXPECT_EQ(s.get("/Leds/Mains"), model::Value(std::int64_t{1}));
  EXPECT_EQ(s.get("/Leds/Bulk"), model::Value(std::int64_t{1}));
  EXPECT_EQ(s.get("/Ac/In/1/CurrentLimit"), model::Value(16.0));
  EXPECT_EQ(s.get("/Ac/ActiveIn/ActiveInput"), model::Value(std::int64_t{0}));
  EXPECT_NEAR(*model::as_double(s.get("/Ac/ActiveIn/L1/F")), 50.1, 0.1);
  EXPECT_NEAR(*model::as_double(s.get("/Dc/0/Voltage")), rig.sim.sim().battery_voltage(), 0.5);
  EXPECT_EQ(s.get("/Interfaces/Mk2/ProductName"), model::Value(std::string("MK3")));
  EXPECT_EQ(rig.driver->health().state, HealthState::kOk);
}

TEST(VebusPty, ModeAndCurrentLimitWritesThroughTheModel) {
  PtyRig rig;
  ASSERT_TRUE(rig.run_until([&] { return all_valid(rig); }));
  ASSERT_EQ(rig.model.write("com.victronenergy.vebus.ttyUSB0", "/Mode", std::int64_t{1}),
            model::WriteResult::kOk);
  ASSERT_TRUE(rig.run_until([&] {
    return rig.svc().get("/Mode") == model::Value(std::int64_t{1}) && !rig.done.empty();
  }));
  EXPECT_TRUE(rig.done.back().ok);
  EXPECT_EQ(rig.sim.sim().switch_state(), vb::SwitchState::kChargerOnly);

  ASSERT_EQ(rig.model.write("com.victronenergy.vebus.ttyUSB0", "/Ac/In/1/CurrentLimit", 12.0),
            model::WriteResult::kOk);
  ASSERT_TRUE(
      rig.run_until([&] { return rig.svc().get("/Ac/In/1/CurrentLimit") == model::Value(12.0); }));
  EXPECT_DOUBLE_EQ(rig.sim.sim().current_limit(), 12.0);
  // Out of the unit's range (3..50 A): refused by the model before the driver sees it.
  EXPECT_EQ(rig.model.write("com.victronenergy.vebus.ttyUSB0", "/Ac/In/1/CurrentLimit", 75.0),
            model::WriteResult::kOutOfRange);
  EXPECT_EQ(rig.model.write("com.victronenergy.vebus.ttyUSB0", "/Mode", std::int64_t{4}),
            model::WriteResult::kOk);
  ASSERT_TRUE(rig.run_until([&] { return rig.sim.sim().switch_state() == vb::SwitchState::kOff; }));
}

// DVCC into the Multi (issue 12): the BMS's share of the charge current reaches the unit as its
// charge current setting in RAM only (WriteViaID RAM-only flag); the EEPROM copy is untouched,
// and the unit charges with no more than that.
TEST(VebusPty, DvccChargeCurrentReachesTheUnitInRamOnly) {
  PtyRig rig;  // 48 V unit: IBatBulk 35.0 A as set by the installer
  const std::string svc = "com.victronenergy.vebus.ttyUSB0";
  ASSERT_TRUE(rig.run_until([&] { return model::is_valid(rig.svc().get("/Dc/0/MaxChargeCurrent")); }));
  EXPECT_EQ(rig.svc().get("/Dc/0/MaxChargeCurrent"), model::Value(35.0));
  EXPECT_EQ(rig.svc().get("/FirmwareFeatures/BolFrame"), model::Value(std::int64_t{0}));
  const auto& bulk = [&]() -> const sim::vebus::SimSetting& {
    return rig.sim.sim().settings().at(vb::setting::kIBatBulk);
  };
  const auto eeprom = bulk().eeprom;
  // As Venus' DVCC writes them: the Multi's share and its own setting raised to at least that.
  ASSERT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeVoltage", 55.2),
            model::WriteResult::kOk);
  ASSERT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeCurrent", 6.0),
            model::WriteResult::kOk);
  ASSERT_EQ(rig.model.write(svc, "/Dc/0/MaxChargeCurrent", 35.0), model::WriteResult::kOk);
  ASSERT_TRUE(rig.run_until([&] { return bulk().ram == 60; }, seconds(20)));  // 0.1 A units
  EXPECT_EQ(bulk().eeprom, eeprom);
  EXPECT_EQ(rig.driver->charge_current_sent(), 6.0);
  ASSERT_TRUE(rig.run_until([&] {
    auto i = model::as_double(rig.svc().get("/Dc/0/Current"));
    return i && *i > 0 && *i <= 6.0 + 0.05;
  }, seconds(20)));
  // Unsafe values never reach it: a 12 V charge voltage on this 48 V unit, negative currents.
  EXPECT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeVoltage", 14.4),
            model::WriteResult::kOutOfRange);
  EXPECT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeCurrent", -5.0),
            model::WriteResult::kOutOfRange);
  // The user's limit without a BMS (/Dc/0/MaxChargeCurrent alone) is taken too.
  ASSERT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeCurrent", 35.0),
            model::WriteResult::kOk);
  ASSERT_EQ(rig.model.write(svc, "/Dc/0/MaxChargeCurrent", 12.0), model::WriteResult::kOk);
  ASSERT_TRUE(rig.run_until([&] { return bulk().ram == 120; }, seconds(20)));
  EXPECT_EQ(bulk().eeprom, eeprom);
}

// When the GX stops writing, the unit goes back to the installer's charge current and voltages
// (stand-alone), and the GX's values are no longer shown. The hold is 60 s in the daemon; 5 s here.
TEST(VebusPty, WhenTheGxStopsTheUnitReturnsToItsOwnChargeSettings) {
  PtyRig rig({}, {}, seconds(5));
  const std::string svc = "com.victronenergy.vebus.ttyUSB0";
  const auto& sets = rig.sim.sim().settings();
  ASSERT_TRUE(rig.run_until([&] { return model::is_valid(rig.svc().get("/Dc/0/MaxChargeCurrent")); }));
  const auto bulk_eeprom = sets.at(vb::setting::kIBatBulk).eeprom;
  const auto abs_eeprom = sets.at(vb::setting::kUBatAbsorption).eeprom;
  ASSERT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeCurrent", 6.0),
            model::WriteResult::kOk);
  ASSERT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeVoltage", 54.0),
            model::WriteResult::kOk);
  ASSERT_TRUE(rig.run_until([&] { return sets.at(vb::setting::kIBatBulk).ram == 60; },
                            seconds(20)));
  ASSERT_TRUE(rig.run_until(
      [&] {
        return sets.at(vb::setting::kIBatBulk).ram == bulk_eeprom &&
               sets.at(vb::setting::kUBatAbsorption).ram == abs_eeprom;
      },
      seconds(40)));
  EXPECT_FALSE(model::is_valid(rig.svc().get("/BatteryOperationalLimits/MaxChargeCurrent")));
  EXPECT_EQ(rig.svc().get("/Dc/0/MaxChargeCurrent"), model::Value(35.0));
}

// The BMS's CVL caps the unit's charge voltages (what the BOL frame would carry), RAM only, float
// lowered before absorption so that float never ends above absorption (safety.hpp).
TEST(VebusPty, DvccChargeVoltageCapsAbsorptionAndFloatInRamOnly) {
  PtyRig rig;  // 48 V unit: absorption 57.60 V, float 55.20 V
  const std::string svc = "com.victronenergy.vebus.ttyUSB0";
  const auto& sets = rig.sim.sim().settings();
  ASSERT_TRUE(rig.run_until([&] { return model::is_valid(rig.svc().get("/Dc/0/MaxChargeCurrent")); }));
  const auto abs_eeprom = sets.at(vb::setting::kUBatAbsorption).eeprom;
  const auto float_eeprom = sets.at(vb::setting::kUBatFloat).eeprom;
  ASSERT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeVoltage", 54.0),
            model::WriteResult::kOk);
  ASSERT_TRUE(rig.run_until(
      [&] {
        return sets.at(vb::setting::kUBatAbsorption).ram == 5400 &&
               sets.at(vb::setting::kUBatFloat).ram == 5400;
      },
      seconds(30)));
  EXPECT_EQ(sets.at(vb::setting::kUBatAbsorption).eeprom, abs_eeprom);
  EXPECT_EQ(sets.at(vb::setting::kUBatFloat).eeprom, float_eeprom);
  // A CVL no 48 V bank takes is refused before the unit sees it.
  EXPECT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeVoltage", 80.0),
            model::WriteResult::kOutOfRange);
  // A higher CVL restores the installer's values, never more: absorption back to 57.60 V.
  ASSERT_EQ(rig.model.write(svc, "/BatteryOperationalLimits/MaxChargeVoltage", 58.4),
            model::WriteResult::kOk);
  ASSERT_TRUE(rig.run_until(
      [&] {
        return sets.at(vb::setting::kUBatAbsorption).ram == abs_eeprom &&
               sets.at(vb::setting::kUBatFloat).ram == float_eeprom;
      },
      seconds(30)));
}

TEST(VebusPty, AbsorptionAndFloatWithReadBackIncludingNoReplyWrites) {
  PtyRig rig;
  ASSERT_TRUE(rig.run_until([&] { return all_valid(rig); }));
  auto& session = rig.driver->session();
  auto a = session.write_setting(vb::setting::kUBatAbsorption, 56.0, false);
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_TRUE(rig.run_until([&] { return rig.completion(*a).has_value(); }));
  EXPECT_TRUE(rig.completion(*a)->ok);
  EXPECT_TRUE(rig.completion(*a)->acknowledged);
  EXPECT_NEAR(*rig.completion(*a)->read_back, 56.0, 1e-9);
  EXPECT_EQ(rig.sim.sim().settings().at(vb::setting::kUBatAbsorption).ram, 5600);
  EXPECT_EQ(rig.sim.sim().settings().at(vb::setting::kUBatAbsorption).eeprom, 5760);

  rig.sim.sim().set_reply_to_writes(false);  // seed 002: often no reply; that is normal
  auto f = session.write_setting(vb::setting::kUBatFloat, 54.0, false);
  ASSERT_TRUE(f);
  ASSERT_TRUE(rig.run_until([&] { return rig.completion(*f).has_value(); }));
  EXPECT_TRUE(rig.completion(*f)->ok);
  EXPECT_FALSE(rig.completion(*f)->acknowledged);
  EXPECT_EQ(rig.sim.sim().settings().at(vb::setting::kUBatFloat).ram, 5400);

  // 70 V absorption on this 48 V unit is refused and nothing is sent.
  const auto writes = rig.sim.sim().writes_received();
  EXPECT_FALSE(session.write_setting(vb::setting::kUBatAbsorption, 70.0, false));
  rig.run_until([] { return false; }, seconds(1));
  EXPECT_EQ(rig.sim.sim().writes_received(), writes);
}

TEST(VebusPty, SilentUnitInvalidatesTheServiceAndRecovers) {
  PtyRig rig;
  ASSERT_TRUE(rig.run_until([&] { return all_valid(rig); }));
  rig.sim.sim().set_silent(true);
  ASSERT_TRUE(
      rig.run_until([&] { return rig.svc().get("/Connected") == model::Value(std::int64_t{0}); }));
  EXPECT_FALSE(rig.valid("/Dc/0/Voltage"));
  EXPECT_NE(rig.driver->health().state, HealthState::kOk);
  rig.sim.sim().set_silent(false);
  ASSERT_TRUE(rig.run_until([&] { return all_valid(rig); }));
  EXPECT_EQ(rig.svc().get("/Connected"), model::Value(std::int64_t{1}));
}

TEST(VebusPty, PortThatAppearsLaterIsOpenedByTheRetry) {
  // Like an MK3 plugged in after the daemon started: the port is missing, then appears.
  const auto link =
      std::filesystem::temp_directory_path() / ("gxlink_vebus_late_" + std::to_string(::getpid()));
  std::filesystem::remove(link);
  PtyRig rig({}, link.string());
  rig.run_until([] { return false; }, milliseconds(800));
  EXPECT_EQ(rig.driver->health().state, HealthState::kFailed);
  EXPECT_EQ(rig.svc().get("/Connected"), model::Value(std::int64_t{0}));
  std::filesystem::create_symlink(rig.sim.slave_path(), link);
  const bool ok = rig.run_until([&] { return all_valid(rig); });
  std::filesystem::remove(link);
  ASSERT_TRUE(ok);
  EXPECT_EQ(rig.driver->health().state, HealthState::kOk);
}

TEST(VebusPty, ThreePhaseSystem) {
  MultiSimOptions so;
  so.phases = 3;
  PtyRig rig(so);
  ASSERT_TRUE(rig.run_until([&] {
    return all_valid(rig) && rig.valid("/Ac/Out/L3/V") && rig.valid("/Ac/ActiveIn/L2/I");
  }));
  EXPECT_EQ(rig.svc().get("/Ac/NumberOfPhases"), model::Value(std::int64_t{3}));
  EXPECT_TRUE(rig.valid("/Alarms/L3/Overload"));
}

}  // namespace
}  // namespace gxlink::drivers::vebus

namespace gxlink::sim::vebus {
namespace {

TEST(VebusPtySim, NeverBlocksWhenNobodyReads) {
  // 64 KiB is far beyond a pty's buffer: a blocking write would hang here.
  asio::io_context io;
  PtyMultiSim sim(io);
  const std::vector<std::uint8_t> big(64 * 1024, 0x55);
  sim.sim().send_raw(big);
  sim.sim().send_raw(big);
  SUCCEED();
}

}  // namespace
}  // namespace gxlink::sim::vebus
