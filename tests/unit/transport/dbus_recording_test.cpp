// SPDX-License-Identifier: MIT
#include "drivers/dbus_recording/dbus_recording.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace gxlink::drivers::dbus_recording {
namespace {

constexpr const char* kRecording =
    "com.victronenergy.battery.ttyO0\n"
    "/Dc/0/Voltage\tDOUBLE\t12.5\t12.50V\n"
    "/DeviceInstance\tINT32\t256\t256\n"
    "/HardwareVersion\tARRAY\t[]\t\n"
    "/ProductName\tSTRING\tBMV-702\tBMV-702\n"
    "/History/Daily/0/Raw\tARRAY[BYTE]\t[1, 2, 3]\t\n"
    "\n"
    "1\t/Dc/0/Voltage\tDOUBLE\t12.6\t12.60V\n"
    "5\t/Dc/0/Voltage\tDOUBLE\t12.7\t12.70V\n"
    "6\t/Dc/0/Voltage\tNOPE\t1\t1\n"
    "7\t/Alarms/LowVoltage\tINT32\t1\t1\n";

TEST(DbusRecording, ParsesInitialStateAndChanges) {
  std::istringstream in(kRecording);
  std::vector<std::string> warnings;
  auto rec = parse_dbus_recording(in, warnings);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->service, "com.victronenergy.battery.ttyO0");
  EXPECT_EQ(rec->initial.size(), 5u);
  EXPECT_EQ(rec->changes.size(), 3u);
  ASSERT_EQ(warnings.size(), 1u);  // the unknown type is reported, not fatal
  EXPECT_NE(warnings[0].find("line 10"), std::string::npos);
}

// A path is a D-Bus string in GetItems: one that is not UTF-8 (or not a path at all) is a bad
// line, reported; it made every later change of the service fail to reach D-Bus.
TEST(DbusRecording, APathThatIsNotUtf8IsABadLine) {
  std::istringstream in(
      "com.victronenergy.battery.ttyO0\n"
      "/Dc/0/Voltage\tDOUBLE\t12.5\t12.50V\n"
      "/Bad\xff\tDOUBLE\t1\t1\n"
      "nopath\tDOUBLE\t1\t1\n"
      "\n"
      "1\t/Dc/\xc3\tDOUBLE\t12.6\t12.60V\n");
  std::vector<std::string> warnings;
  auto rec = parse_dbus_recording(in, warnings);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->initial.size(), 1u);
  EXPECT_TRUE(rec->changes.empty());
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_NE(warnings[0].find("line 3: bad path"), std::string::npos) << warnings[0];
}

TEST(DbusRecording, AppliedRecordingEndsInTheLastRecordedState) {
  std::istringstream in(kRecording);
  std::vector<std::string> warnings;
  auto rec = parse_dbus_recording(in, warnings);
  model::Model m;
  apply_dbus_recording(*rec, m);
  const auto* s = m.find("com.victronenergy.battery.ttyO0");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->get("/Dc/0/Voltage"), model::Value{12.7});
  EXPECT_EQ(s->device_instance(), 256);
  EXPECT_FALSE(model::is_valid(s->get("/HardwareVersion")));
  EXPECT_EQ(s->get("/History/Daily/0/Raw"), (model::Value{model::IntArray{1, 2, 3}}));
}

TEST(DbusRecording, StopsAtTheRequestedTime) {
  std::istringstream in(kRecording);
  std::vector<std::string> warnings;
  auto rec = parse_dbus_recording(in, warnings);
  model::Model m;
  apply_dbus_recording(*rec, m, 2.0);
  EXPECT_EQ(m.find("com.victronenergy.battery.ttyO0")->get("/Dc/0/Voltage"), model::Value{12.6});
}

// Issue 13, conformance 1: a replay up to a time already has every path the recording carries
// later (invalid until its first value), so the announced set does not grow.
TEST(DbusRecording, PathsThatAppearLaterExistFromTheStart) {
  std::istringstream in(kRecording);
  std::vector<std::string> warnings;
  auto rec = parse_dbus_recording(in, warnings);
  model::Model m;
  apply_dbus_recording(*rec, m, 2.0);
  m.flush();
  const auto* s = m.find("com.victronenergy.battery.ttyO0");
  ASSERT_NE(s->find("/Alarms/LowVoltage"), nullptr);
  EXPECT_FALSE(model::is_valid(s->get("/Alarms/LowVoltage")));
  apply_dbus_recording(*rec, m);
  EXPECT_EQ(s->get("/Alarms/LowVoltage"), model::Value{std::int64_t{1}});
  EXPECT_EQ(s->late_paths(), 0u);
}

TEST(DbusRecording, ValueTypes) {
  EXPECT_EQ(parse_recorded_value("UINT32", "177").value(), model::Value{std::int64_t{177}});
  EXPECT_EQ(parse_recorded_value("BOOLEAN", "True").value(), model::Value{std::int64_t{1}});
  EXPECT_FALSE(parse_recorded_value("DOUBLE", "12.5x").has_value());
  EXPECT_FALSE(parse_recorded_value("INT32", "").has_value());
}

// Venus' system service holds a dict and a list of dicts (issue 12): they replay as model::Tree.
TEST(DbusRecording, DictsAndListsOfDictsAreStructuredValues) {
  auto dict = parse_recorded_value(
      "DICT",
      R"({"default": "Automatic", "com_victronenergy_battery_512/Dc/0": "BMS on CAN-bus"})");
  ASSERT_TRUE(dict.has_value());
  ASSERT_TRUE(std::holds_alternative<model::Tree>(*dict));
  EXPECT_EQ(std::get<std::string>(std::get<model::Tree>(*dict).root().find("default")->v),
            "Automatic");
  auto list = parse_recorded_value(
      "ARRAY", R"([{"id": "com.victronenergy.battery.socketcan_can0", "instance": 512,
                    "voltage": 52.8, "active_battery_service": true}])");
  ASSERT_TRUE(list.has_value());
  ASSERT_TRUE(std::holds_alternative<model::Tree>(*list));
  const auto& first = std::get<model::Tree>(*list).root().list()->front();
  EXPECT_EQ(std::get<bool>(first.find("active_battery_service")->v), true);
  EXPECT_EQ(std::get<std::int64_t>(first.find("instance")->v), 512);
  // Flat arrays stay flat; an empty one is invalid; a DICT that is no object is an error.
  EXPECT_EQ(parse_recorded_value("ARRAY", "[1, 2]").value(), model::Value(model::IntArray{1, 2}));
  EXPECT_FALSE(model::is_valid(parse_recorded_value("ARRAY", "[]").value()));
  EXPECT_FALSE(parse_recorded_value("DICT", "[1]").has_value());
  std::string deep(64, '[');
  deep += std::string(64, ']');
  EXPECT_FALSE(parse_recorded_value("ARRAY", deep).has_value());  // beyond Tree's depth
}

TEST(DbusRecording, EveryRecordingInSharedDataParsesCleanly) {
  const std::filesystem::path dir = GXLINK_SHARED_DATA "/dbus/dbus-recorder";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared/data is not present";
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path());
    std::vector<std::string> warnings;
    auto rec = parse_dbus_recording(in, warnings);
    ASSERT_TRUE(rec.has_value()) << e.path();
    EXPECT_TRUE(warnings.empty()) << e.path() << ": " << warnings.front();
    EXPECT_FALSE(rec->initial.empty()) << e.path();
    model::Model m;
    apply_dbus_recording(*rec, m);
    EXPECT_NE(m.find(rec->service), nullptr);
    ++files;
  }
  EXPECT_GT(files, 30);
}

}  // namespace
}  // namespace gxlink::drivers::dbus_recording
