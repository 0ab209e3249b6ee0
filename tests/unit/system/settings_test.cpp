// SPDX-License-Identifier: MIT
#include "system/settings.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

namespace gxlink::system {
namespace {

using model::Value;
using model::WriteResult;

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gxlink_settings_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    file_ = dir_ / "settings.json";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_, file_;
};

TEST_F(SettingsTest, DefaultsAreVenusDefaults) {
  model::Model m;
  Settings s(m, file_);
  s.start();
  m.flush();
  EXPECT_EQ(s.get_string("/Settings/SystemSetup/BatteryService"), "default");
  EXPECT_EQ(s.get_int("/Settings/SystemSetup/BmsInstance"), -1);
  EXPECT_EQ(s.get_int("/Settings/SystemSetup/MaxChargeCurrent"), -1);
  EXPECT_EQ(s.get_double("/Settings/SystemSetup/MaxChargeVoltage"), 0.0);
  EXPECT_EQ(s.get_int("/Settings/SystemSetup/HasDcSystem"), 0);
  EXPECT_EQ(s.get_int("/Settings/Services/Bol"), 0);
  EXPECT_EQ(s.get_int("/Settings/CGwacs/Hub4Mode"), 1);
  // Published with metadata, as localsettings' GetMin/GetMax/GetDefault give them.
  const auto* svc = m.find(kSettingsService);
  ASSERT_NE(svc, nullptr);
  const auto* item = svc->find("/Settings/SystemSetup/MaxChargeVoltage");
  ASSERT_NE(item, nullptr);
  EXPECT_TRUE(item->meta.writable);
  EXPECT_EQ(item->meta.min, 0.0);
  EXPECT_EQ(item->meta.max, 80.0);
  EXPECT_TRUE(model::same_value(item->meta.default_value, Value{0.0}));
  // Nothing is written until something changes.
  EXPECT_FALSE(std::filesystem::exists(file_));
}

TEST_F(SettingsTest, WritesThroughTheModelAreValidated) {
  model::Model m;
  Settings s(m, file_);
  s.start();
  m.flush();
  const std::string svc(kSettingsService);
  // Type: an integer setting refuses a string, a string setting refuses a number.
  EXPECT_EQ(m.write(svc, "/Settings/SystemSetup/HasDcSystem", Value{std::string("1")}),
            WriteResult::kBadType);
  EXPECT_EQ(m.write(svc, "/Settings/SystemSetup/BatteryService", Value{std::int64_t{3}}),
            WriteResult::kBadType);
  EXPECT_EQ(m.write(svc, "/Settings/SystemSetup/HasDcSystem", Value{0.5}), WriteResult::kBadType);
  // Range.
  EXPECT_EQ(m.write(svc, "/Settings/SystemSetup/HasDcSystem", Value{std::int64_t{2}}),
            WriteResult::kOutOfRange);
  EXPECT_EQ(m.write(svc, "/Settings/SystemSetup/MaxChargeVoltage", Value{80.5}),
            WriteResult::kOutOfRange);
  EXPECT_EQ(s.set("/Settings/Services/Bol", Value{std::int64_t{8}}), WriteResult::kOutOfRange);
  EXPECT_EQ(s.set("/Settings/Nope", Value{std::int64_t{1}}), WriteResult::kUnknownPath);
  EXPECT_EQ(s.set("/Settings/SystemSetup/BatteryService",
                  Value{std::string(kMaxSettingStringBytes + 1, 'x')}),
            WriteResult::kOutOfRange);
  EXPECT_EQ(s.get_int("/Settings/SystemSetup/HasDcSystem"), 0);
  EXPECT_EQ(s.generation(), 0u);
  // Accepted: a whole double for an int setting becomes an int; an int for a double a double.
  EXPECT_EQ(m.write(svc, "/Settings/SystemSetup/HasDcSystem", Value{1.0}), WriteResult::kOk);
  EXPECT_TRUE(model::same_value(m.find(svc)->get("/Settings/SystemSetup/HasDcSystem"),
                                Value{std::int64_t{1}}));
  EXPECT_EQ(m.write(svc, "/Settings/SystemSetup/MaxChargeVoltage", Value{std::int64_t{56}}),
            WriteResult::kOk);
  EXPECT_TRUE(
      model::same_value(m.find(svc)->get("/Settings/SystemSetup/MaxChargeVoltage"), Value{56.0}));
  EXPECT_EQ(s.generation(), 2u);
}

TEST_F(SettingsTest, ValuesSurviveARestartInAPrivateFile) {
  {
    model::Model m;
    Settings s(m, file_);
    s.start();
    ASSERT_EQ(s.set("/Settings/SystemSetup/BatteryService",
                    Value{std::string("com.victronenergy.battery/512")}),
              WriteResult::kOk);
    ASSERT_EQ(s.set("/Settings/SystemSetup/MaxChargeCurrent", Value{std::int64_t{50}}),
              WriteResult::kOk);
    s.add({battery_setting_path("com.victronenergy.battery/512", "Enabled"), SettingType::kInt,
           Value{std::int64_t{1}}, 0, 1});
    ASSERT_EQ(s.set(battery_setting_path("com.victronenergy.battery/512", "Enabled"),
                    Value{std::int64_t{0}}),
              WriteResult::kOk);
    EXPECT_TRUE(s.save_error().empty()) << s.save_error();
  }
  struct stat st {};
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  model::Model m;
  Settings s(m, file_);
  s.start();
  EXPECT_EQ(s.get_string("/Settings/SystemSetup/BatteryService"), "com.victronenergy.battery/512");
  EXPECT_EQ(s.get_int("/Settings/SystemSetup/MaxChargeCurrent"), 50);
  EXPECT_TRUE(
      model::same_value(m.find(kSettingsService)->get("/Settings/SystemSetup/MaxChargeCurrent"),
                        Value{std::int64_t{50}}));
  // A run-time setting keeps its persisted value once it is declared again, not its default.
  const auto path = battery_setting_path("com.victronenergy.battery/512", "Enabled");
  EXPECT_EQ(path,
            "/Settings/SystemSetup/Batteries/Configuration/com_victronenergy_battery/512/Enabled");
  EXPECT_FALSE(s.has(path));
  s.add({path, SettingType::kInt, Value{std::int64_t{1}}, 0, 1});
  EXPECT_EQ(s.get_int(path), 0);
}

TEST_F(SettingsTest, ABadFileOrBadValuesFallBackToDefaults) {
  {
    std::ofstream(file_) << R"({"/Settings/SystemSetup/HasDcSystem": 7,
                              "/Settings/SystemSetup/BatteryService": 12,
                              "/Settings/SystemSetup/MaxChargeVoltage": 55.2})";
  }
  {
    model::Model m;
    Settings s(m, file_);
    s.start();
    EXPECT_EQ(s.get_int("/Settings/SystemSetup/HasDcSystem"), 0);  // out of range: default
    EXPECT_EQ(s.get_string("/Settings/SystemSetup/BatteryService"), "default");  // wrong type
    EXPECT_EQ(s.get_double("/Settings/SystemSetup/MaxChargeVoltage"), 55.2);
  }
  { std::ofstream(file_) << "{not json"; }
  model::Model m;
  Settings s(m, file_);
  s.start();
  EXPECT_EQ(s.get_double("/Settings/SystemSetup/MaxChargeVoltage"), 0.0);
}

// Settings nobody declares (per-instance battery entries of devices long gone) are kept, but
// not without bound: the file once grew past what load() takes, and every setting went back to
// its default without a word.
TEST_F(SettingsTest, UndeclaredSettingsAreBoundedAndAnOversizedFileIsReported) {
  {
    std::ofstream f(file_);
    f << "{";
    for (std::size_t i = 0; i < kMaxOrphanSettings + 50; ++i)
      f << "\"/Settings/Gone/" << i << "\": 1, ";
    f << "\"/Settings/SystemSetup/MaxChargeVoltage\": 55.2}";
  }
  {
    model::Model m;
    Settings s(m, file_);
    s.start();
    EXPECT_EQ(s.get_double("/Settings/SystemSetup/MaxChargeVoltage"), 55.2);
    EXPECT_NE(s.load_error().find("dropped"), std::string::npos) << s.load_error();
    ASSERT_EQ(s.set("/Settings/SystemSetup/MaxChargeVoltage", Value{55.0}), WriteResult::kOk);
  }
  std::ifstream in(file_);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t gone = 0;
  for (auto p = text.find("/Settings/Gone/"); p != std::string::npos;
       p = text.find("/Settings/Gone/", p + 1))
    ++gone;
  EXPECT_EQ(gone, kMaxOrphanSettings);  // saved again, bounded

  { std::ofstream(file_) << std::string(2 << 20, ' '); }
  model::Model m;
  Settings s(m, file_);
  s.start();
  EXPECT_NE(s.load_error().find("defaults are used"), std::string::npos) << s.load_error();
}

TEST_F(SettingsTest, SetupLinesDeclareUnknownSettings) {
  model::Model m;
  Settings s(m);  // not persisted
  s.start();
  EXPECT_EQ(s.add_or_set("/Settings/Gui/Something", Value{std::int64_t{4}}), WriteResult::kOk);
  EXPECT_EQ(s.get_int("/Settings/Gui/Something"), 4);
  EXPECT_EQ(s.add_or_set("/Settings/SystemSetup/AcInput2", Value{std::int64_t{2}}),
            WriteResult::kOk);
  EXPECT_EQ(s.add_or_set("/Settings/SystemSetup/AcInput2", Value{std::int64_t{9}}),
            WriteResult::kOutOfRange);
  EXPECT_EQ(s.add_or_set("/Dc/0/Voltage", Value{1.0}), WriteResult::kUnknownPath);
  EXPECT_FALSE(std::filesystem::exists(file_));
}

}  // namespace
}  // namespace gxlink::system
