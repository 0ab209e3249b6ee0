// SPDX-License-Identifier: MIT
// The timeline of `snapshot --system`: several recordings merged by time, GX-written paths not
// replayed, venus-docker setup lines.
#include <gtest/gtest.h>

#include <sstream>

#include "drivers/dbus_recording/dbus_recording.hpp"

namespace gxlink::drivers::dbus_recording {
namespace {

using model::Value;

DbusRecording parse(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> warnings;
  auto r = parse_dbus_recording(in, warnings);
  EXPECT_TRUE(r.has_value());
  EXPECT_TRUE(warnings.empty());
  return *r;
}

TEST(RecordingTimeline, MergesFilesByTimeAndAdvancesOnTheRecordingClock) {
  RecordingTimeline tl(true);
  tl.add(
      parse("com.victronenergy.battery.ttyO0\n/Dc/0/Voltage\tDOUBLE\t12.0\t\n\n"
            "1\t/Dc/0/Voltage\tDOUBLE\t12.1\t\n5\t/Dc/0/Voltage\tDOUBLE\t12.5\t\n"));
  tl.add(
      parse("com.victronenergy.solarcharger.ttyO2\n/Dc/0/Current\tDOUBLE\t1.0\t\n"
            "/Link/ChargeVoltage\tDOUBLE\t14.4\t\n\n"
            "2\t/Dc/0/Current\tDOUBLE\t2.0\t\n3\t/Link/ChargeVoltage\tDOUBLE\t14.2\t\n"
            "7\t/Dc/0/Current\tDOUBLE\t7.0\t\n"));
  EXPECT_EQ(tl.end_time(), 7.0);
  model::Model m;
  tl.start(m, {{"com.victronenergy.battery.ttyO0", "/CustomName", Value{std::string("House")}},
               {"com.victronenergy.vebus.ttyO1", "/Mode", Value{std::int64_t{3}}}});
  auto* bat = m.find("com.victronenergy.battery.ttyO0");
  auto* mppt = m.find("com.victronenergy.solarcharger.ttyO2");
  ASSERT_TRUE(bat && mppt);
  EXPECT_TRUE(model::same_value(bat->get("/Dc/0/Voltage"), Value{12.0}));
  EXPECT_TRUE(model::same_value(bat->get("/CustomName"), Value{std::string("House")}));
  EXPECT_EQ(m.find("com.victronenergy.vebus.ttyO1"), nullptr);  // setup never creates services
  EXPECT_EQ(tl.advance(m, 2), 2u);
  EXPECT_TRUE(model::same_value(bat->get("/Dc/0/Voltage"), Value{12.1}));
  EXPECT_TRUE(model::same_value(mppt->get("/Dc/0/Current"), Value{2.0}));
  EXPECT_EQ(tl.advance(m, 6), 1u);  // the /Link change at t=3 is the GX's, not replayed
  EXPECT_TRUE(model::same_value(mppt->get("/Link/ChargeVoltage"), Value{14.4}));
  EXPECT_TRUE(model::same_value(bat->get("/Dc/0/Voltage"), Value{12.5}));
  EXPECT_EQ(tl.advance(m, 100), 1u);
  EXPECT_EQ(tl.advance(m, 200), 0u);
  EXPECT_TRUE(model::same_value(mppt->get("/Dc/0/Current"), Value{7.0}));
}

TEST(RecordingTimeline, PlainReplayKeepsGxWrittenChanges) {
  RecordingTimeline tl(false);
  tl.add(
      parse("com.victronenergy.vebus.ttyO1\n/Dc/0/MaxChargeCurrent\tDOUBLE\t50\t\n\n"
            "1\t/Dc/0/MaxChargeCurrent\tDOUBLE\t30\t\n"));
  model::Model m;
  tl.start(m);
  tl.advance(m, 1);
  EXPECT_TRUE(model::same_value(
      m.find("com.victronenergy.vebus.ttyO1")->get("/Dc/0/MaxChargeCurrent"), Value{30.0}));
}

TEST(RecordingTimeline, GxWrittenPaths) {
  EXPECT_TRUE(is_gx_written_path("com.victronenergy.solarcharger.ttyO2", "/Link/NetworkMode"));
  EXPECT_TRUE(is_gx_written_path("com.victronenergy.vebus.ttyO1",
                                 "/BatteryOperationalLimits/MaxChargeVoltage"));
  EXPECT_TRUE(is_gx_written_path("com.victronenergy.vebus.ttyO1", "/BatterySense/Voltage"));
  EXPECT_TRUE(is_gx_written_path("com.victronenergy.vebus.ttyO1", "/Dc/0/MaxChargeCurrent"));
  // Only a vebus's /Dc/0/MaxChargeCurrent is the GX's.
  EXPECT_FALSE(is_gx_written_path("com.victronenergy.charger.ttyO1", "/Dc/0/MaxChargeCurrent"));
  EXPECT_FALSE(is_gx_written_path("com.victronenergy.vebus.ttyO1", "/Dc/0/Voltage"));
}

TEST(SetupFile, LinesAreTypedAsVenusOracleTypesThem) {
  std::istringstream in(
      "# comment\n\n"
      "com.victronenergy.settings /Settings/SystemSetup/BatteryService "
      "com.victronenergy.battery/512\n"
      "com.victronenergy.settings\t/Settings/Services/Bol 1\n"
      "com.victronenergy.settings /Settings/SystemSetup/MaxChargeVoltage 55.2  \r\n"
      "com.victronenergy.vebus.ttyO1 /CustomName My  Multi\n"
      "com.victronenergy.settings /Settings/Only two\n"
      "too short\n");
  auto lines = parse_setup(in);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].path, "/Settings/SystemSetup/BatteryService");
  EXPECT_TRUE(
      model::same_value(lines[0].value, Value{std::string("com.victronenergy.battery/512")}));
  EXPECT_TRUE(model::same_value(lines[1].value, Value{std::int64_t{1}}));
  EXPECT_TRUE(model::same_value(lines[2].value, Value{55.2}));
  EXPECT_EQ(lines[3].service, "com.victronenergy.vebus.ttyO1");
  EXPECT_TRUE(model::same_value(lines[3].value, Value{std::string("My  Multi")}));
  EXPECT_TRUE(model::same_value(lines[4].value, Value{std::string("two")}));
}

}  // namespace
}  // namespace gxlink::drivers::dbus_recording
