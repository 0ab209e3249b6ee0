// SPDX-License-Identifier: MIT
// Issue 13, conformance 9: one table of Venus path formats gives every path its unit, decimals and
// enum texts, so GetText shows "26.82V" and "Bulk" where it showed "26.82" and "3".
#include "model/venus_formats.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/model.hpp"
#include "support/path_set_probe.hpp"
#include "support/venus_paths.hpp"

namespace gxlink::model {
namespace {

namespace fs = std::filesystem;

Service& service(Model& m, const std::string& type) {
  ServiceSpec s;
  s.type = type;
  s.connection = "test";
  return m.add_service(s);
}

TEST(VenusFormats, PatternsMatchDigitsAndRests) {
  EXPECT_TRUE(path_matches("/Dc/#/Voltage", "/Dc/0/Voltage"));
  EXPECT_TRUE(path_matches("/Dc/#/Voltage", "/Dc/12/Voltage"));
  EXPECT_FALSE(path_matches("/Dc/#/Voltage", "/Dc//Voltage"));
  EXPECT_FALSE(path_matches("/Dc/#/Voltage", "/Dc/In/Voltage"));
  EXPECT_FALSE(path_matches("/Dc/#/Voltage", "/Dc/0/Voltages"));
  EXPECT_TRUE(path_matches("/Ac/Out/L#/V", "/Ac/Out/L3/V"));
  EXPECT_TRUE(path_matches("/Voltages/Cell#", "/Voltages/Cell16"));
  EXPECT_TRUE(path_matches("/Alarms/*", "/Alarms/L1/Overload"));
  EXPECT_FALSE(path_matches("/Alarms/*", "/AlarmsX"));
  EXPECT_FALSE(path_matches("/Soc", "/Soc/x"));
}

TEST(VenusFormats, TypeEntriesComeBeforeGenericOnes) {
  // The AC charger's alarms are on/off, everybody else's Ok/Warning/Alarm (seed 003).
  ASSERT_NE(find_path_format("charger", "/Alarms/LowVoltage"), nullptr);
  EXPECT_EQ(format_text(*find_path_format("charger", "/Alarms/LowVoltage"), std::int64_t{1}),
            "Active");
  EXPECT_EQ(format_text(*find_path_format("battery", "/Alarms/LowVoltage"), std::int64_t{1}),
            "Warning");
  EXPECT_EQ(find_path_format("battery", "/State"), nullptr);  // a BMS state is no charge state
  EXPECT_EQ(find_path_format("solarcharger", "/ProductName"), nullptr);
}

// The GetText of the issue's examples, through a service as a driver declares it.
TEST(VenusFormats, DeclaredPathsShowAsVenusShowsThem) {
  Model m;
  Service& mppt = service(m, "solarcharger");
  mppt.declare({{"/Dc/0/Voltage"}, {"/State"}, {"/Mode"}, {"/ErrorCode"}, {"/Yield/User"}});
  mppt.set("/Dc/0/Voltage", 26.82);
  mppt.set("/State", std::int64_t{3});
  mppt.set("/Mode", std::int64_t{4});
  mppt.set("/ErrorCode", std::int64_t{2});
  mppt.set("/Yield/User", 1234.5);
  EXPECT_EQ(mppt.find("/Dc/0/Voltage")->text(), "26.82V");
  EXPECT_EQ(mppt.find("/State")->text(), "Bulk");
  EXPECT_EQ(mppt.find("/Mode")->text(), "Off");
  EXPECT_EQ(mppt.find("/ErrorCode")->text(), "Battery voltage too high");
  EXPECT_EQ(mppt.find("/Yield/User")->text(), "1234.50kWh");
  mppt.set("/State", std::int64_t{99});  // unknown codes show the number
  EXPECT_EQ(mppt.find("/State")->text(), "99");
  mppt.set("/State", Invalid{});
  EXPECT_EQ(mppt.find("/State")->text(), "---");

  Service& bat = service(m, "battery");
  bat.declare({{"/TimeToGo"}, {"/Soc"}, {"/Dc/0/Temperature"}});
  bat.set("/TimeToGo", std::int64_t{286980});  // 79 h 43 min
  bat.set("/Soc", 85.25);
  bat.set("/Dc/0/Temperature", 21.5);
  EXPECT_EQ(bat.find("/TimeToGo")->text(), "79:43");
  EXPECT_EQ(bat.find("/TimeToGo")->meta.unit, "s");
  EXPECT_EQ(bat.find("/Soc")->text(), "85.2%");
  EXPECT_EQ(bat.find("/Dc/0/Temperature")->text(), "21.5°C");
  bat.set("/TimeToGo", 59.0);
  EXPECT_EQ(bat.find("/TimeToGo")->text(), "0:00");
  bat.set("/TimeToGo", 864000.0);  // the 10-day cap (seed 003 l. 609)
  EXPECT_EQ(bat.find("/TimeToGo")->text(), "240:00");
  bat.set("/TimeToGo", 1e300);  // no overflow on a nonsense value
  EXPECT_FALSE(bat.find("/TimeToGo")->text().empty());

  Service& vebus = service(m, "vebus");
  vebus.declare({{"/Mode"}, {"/State"}, {"/Ac/Out/L2/F"}, {"/Alarms/L3/Overload"}});
  vebus.set("/Mode", std::int64_t{3});
  vebus.set("/State", std::int64_t{9});
  vebus.set("/Ac/Out/L2/F", 50.04);
  vebus.set("/Alarms/L3/Overload", std::int64_t{2});
  EXPECT_EQ(vebus.find("/Mode")->text(), "On");
  EXPECT_EQ(vebus.find("/State")->text(), "Inverting");
  EXPECT_EQ(vebus.find("/Ac/Out/L2/F")->text(), "50.0Hz");
  EXPECT_EQ(vebus.find("/Alarms/L3/Overload")->text(), "Alarm");
}

TEST(VenusFormats, ExplicitDriverMetaWinsAndUndeclaredPathsAreFormattedToo) {
  Model m;
  Service& s = service(m, "battery");
  ItemMeta mine;
  mine.unit = "mV";
  mine.decimals = 0;
  s.add("/Dc/0/Voltage", mine, 12800.0);
  EXPECT_EQ(s.find("/Dc/0/Voltage")->text(), "12800mV");
  s.set("/Dc/0/Current", -3.25);  // created by set(), as a replayed recording does
  EXPECT_EQ(s.find("/Dc/0/Current")->text(), "-3.2A");
  s.set("/Some/Unknown", 1.5);
  EXPECT_EQ(s.find("/Some/Unknown")->text(), "1.5");
}

// Every entry of the table is a fact of seed 003 (or an allowed extra): the path exists there with
// the same unit.
TEST(VenusFormats, EveryTableEntryIsInSeed003WithItsUnit) {
  const char* types[] = {"*",    "solarcharger", "battery",     "vebus", "charger",
                         "inverter", "dcdc",      "tank", "temperature", "gps"};
  for (const PathFormat& f : path_formats()) {
    if (f.path.ends_with("*")) continue;  // "/Alarms/*", "/Leds/*": families, checked per path
    const testing::VenusPath* p = nullptr;
    for (const char* t : types) {
      if (f.type != "*" && f.type != t) continue;
      p = testing::find_venus_path(testing::seed003_paths(), t, f.path);
      if (!p) p = testing::find_venus_path(testing::gxlink_extra_paths(), t, f.path);
      if (p) break;
    }
    if (f.type != "*" && std::string_view(f.type) != "multi" && f.type != "alternator") {
      ASSERT_NE(p, nullptr) << f.type << " " << f.path;
    }
    if (!p) continue;  // a type outside the extract (multi, alternator) or a "*" path of one
    const std::string want = p->unit == "-" ? "" : p->unit;
    if (p->unit != "?") {
      EXPECT_EQ(std::string(f.unit), want)
          << f.type << " " << f.path << " (seed: " << p->note << ")";
    }
  }
}

// The checked-in extract is what extract_seed003.py makes of the seed (when the seed and Python
// are here; CI has both, a bare checkout may not).
TEST(VenusFormats, CheckedInExtractMatchesSeed003) {
  const fs::path seeds = fs::path(testing::shared_data_dir()) / ".." / "seeds";
  fs::path seed;
  if (fs::is_directory(seeds))
    for (const auto& e : fs::directory_iterator(seeds))
      if (e.path().filename().string().starts_with("003_")) seed = e.path();
  if (seed.empty() || !fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no seed 003 or python3";
  const std::string dir = testing::venus_paths_dir();
  const std::string out = (fs::temp_directory_path() / "gxlink_seed003_extract.txt").string();
  const std::string cmd =
      "/usr/bin/python3 '" + dir + "/extract_seed003.py' '" + seed.string() + "' > '" + out + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto read = [](const std::string& f) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  EXPECT_EQ(read(out), read(dir + "/venus_paths_seed003.txt"));
  std::remove(out.c_str());
}

}  // namespace
}  // namespace gxlink::model

namespace gxlink::model {
namespace {

// Venus' integer /FirmwareVersion (venus_os.md §5.4: VE.Can 1.02 = 0x10200) from dotted texts.
TEST(FirmwareVersionFromText, DottedVersionsBecomeVenusIntegers) {
  EXPECT_EQ(firmware_version_from_text("1.6.0"), Value(std::int64_t{0x10600}));
  EXPECT_EQ(firmware_version_from_text("1.02"), Value(std::int64_t{0x10200}));
  EXPECT_EQ(firmware_version_from_text("v2.08"), Value(std::int64_t{0x20800}));
  EXPECT_EQ(firmware_version_from_text("1.0.4"), Value(std::int64_t{0x10004}));
  EXPECT_EQ(firmware_version_from_text("1.02 (build 5)"), Value(std::int64_t{0x10200}));
  EXPECT_EQ(firmware_version_from_text("2.10-beta"), Value(std::int64_t{0x21000}));
  for (auto bad : {"", "1", "1.", "abc", "1.2.3.4", "1.2x", "123.4", "1..2"})
    EXPECT_FALSE(is_valid(firmware_version_from_text(bad))) << bad;
}

}  // namespace
}  // namespace gxlink::model
