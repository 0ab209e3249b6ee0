// SPDX-License-Identifier: MIT
// The doctor's report: the config it writes is valid for the daemon (the same check as
// `gxlink run --check-config`) and holds one section per finding; strings are escaped; the table
// and JSON say what was not probed.
#include "doctor/report.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "app/config.hpp"

namespace gxlink::doctor {
namespace {
namespace fs = std::filesystem;

class DoctorReport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gxlink-doctor-report-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Validates `text` exactly as `gxlink run --check-config --config FILE` does.
  std::vector<std::string> check(const std::string& text) {
    const fs::path file = dir_ / "gxlink.toml";
    std::ofstream(file) << text;
    app::RunOptions o;
    o.config_file = file;
    return app::load_run_config(o).errors;
  }

  // A report with one device of each kind; the slcan bus carries a BMS and CANopen heartbeats.
  Report sample() {
    Report r;
    r.seconds = 4;
    PortReport& ved = r.ports.emplace_back();
    ved.path = (dir_ / "usb-VictronEnergy_BV_VE_Direct_cable_VE1-if00-port0").string();
    ved.device = "ttyUSB0";
    ved.vedirect.text_blocks = 3;
    ved.vedirect.pid = 0xA05F;
    ved.vedirect.product = "SmartSolar MPPT 100|20";
    ved.vedirect.service_type = "solarcharger";
    PortReport& mk2 = r.ports.emplace_back();
    mk2.path = (dir_ / "ttyUSB1").string();
    mk2.device = "ttyUSB1";
    mk2.mk2.version_frames = 2;
    mk2.mk2.version = 1170212;
    PortReport& silent = r.ports.emplace_back();
    silent.path = "/dev/ttyS0";
    silent.device = "ttyS0";
    silent.slcan_needs_writes = true;

    CanReport& slcan = r.buses.emplace_back();
    slcan.spec = "slcan:" + (dir_ / "ttyACM0").string();
    slcan.config_spec = slcan.spec + "@500000";
    slcan.bitrate = 500000;
    slcan.slcan = true;
    slcan.device = "ttyACM0";
    slcan.finding.bms.limits = true;
    slcan.finding.bms.ids = {0x351, 0x355};
    slcan.finding.bms.name = "GXSIM";
    slcan.finding.canopen.nodes = {{3, "operational"}};
    CanReport& n2k = r.buses.emplace_back();
    n2k.spec = n2k.config_spec = "socketcan:can1";
    n2k.finding.nmea2000.address_claims = 1;
    n2k.finding.nmea2000.nodes[0x20].manufacturer = 358;
    n2k.finding.canopen.nodes = {{1, "operational"}, {2, "pre_operational"}};
    CanReport& closed = r.buses.emplace_back();
    closed.spec = "slcan:/dev/ttyACM9";
    closed.slcan = true;
    closed.needs_writes = true;
    return r;
  }

  fs::path dir_;
};

TEST_F(DoctorReport, TheConfigPassesTheDaemonsCheckAndHasOneSectionPerFinding) {
  const Report r = sample();
  ASSERT_TRUE(r.found_any());
  const std::string text = make_config(r);
  const auto errors = check(text);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front()) << "\n" << text;

  const toml::table t = toml::parse(text);
  ASSERT_TRUE(t["vedirect"].is_array());
  EXPECT_EQ(t["vedirect"][0]["port"].value<std::string>(), r.ports[0].path);
  EXPECT_EQ(t["vedirect"][0]["name"].value<std::string>(), "ttyUSB0");
  EXPECT_EQ(t["vebus"][0]["port"].value<std::string>(), r.ports[1].path);
  EXPECT_EQ(t["vebus"][0]["connection"].value<std::string>(), "ttyUSB1");
  ASSERT_TRUE(t["canbms"].is_array());
  ASSERT_EQ(t["canbms"].as_array()->size(), 1u);
  EXPECT_EQ(t["canbms"][0]["interface"].value<std::string>(), r.buses[0].config_spec);
  EXPECT_EQ(t["canbms"][0]["connection"].value<std::string>(), "socketcan_ttyACM0");
  // SocketCAN may be shared: NMEA 2000 and CANopen both on can1. The slcan tty's CANopen nodes
  // are left as a comment (one section per slcan tty).
  ASSERT_TRUE(t["nmea2000"].is_array());
  EXPECT_EQ(t["nmea2000"][0]["interface"].value<std::string>(), "socketcan:can1");
  ASSERT_TRUE(t["canopen"].is_array());
  ASSERT_EQ(t["canopen"].as_array()->size(), 1u);
  EXPECT_EQ(t["canopen"][0]["interface"].value<std::string>(), "socketcan:can1");
  EXPECT_EQ(t["canopen"][0]["nodes"].as_array()->size(), 2u);
  EXPECT_NE(text.find("# [[canopen]]"), std::string::npos);
  // Nothing for the port where nothing answered, nor for the bus that was not opened.
  EXPECT_EQ(text.find("ttyS0"), std::string::npos);
  EXPECT_EQ(text.find("ttyACM9"), std::string::npos);
}

TEST_F(DoctorReport, ANothingFoundConfigIsStillValid) {
  Report r;
  r.ports.emplace_back().path = "/dev/ttyUSB0";
  EXPECT_FALSE(r.found_any());
  const std::string text = make_config(r);
  EXPECT_TRUE(check(text).empty()) << text;
  EXPECT_NE(text.find("No device answered"), std::string::npos);
}

TEST_F(DoctorReport, ANameThatIsNotUtf8IsLeftOutAndTheConfigStaysValid) {
  Report r;
  PortReport& p = r.ports.emplace_back();
  p.path = "/dev/serial/by-id/usb-\xff\xfe-port0";
  p.device = "ttyUSB0";
  p.vedirect.text_blocks = 1;
  const std::string text = make_config(r);
  EXPECT_TRUE(check(text).empty()) << text;
  EXPECT_FALSE(toml::parse(text)["vedirect"]);
  EXPECT_NE(text.find("not valid UTF-8"), std::string::npos);
  // The JSON writer replaces what it cannot encode rather than throwing.
  EXPECT_NO_THROW(to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

TEST_F(DoctorReport, DeviceTextCannotEndACommentAndAddAKey) {
  Report r;
  CanReport& b = r.buses.emplace_back();
  b.spec = b.config_spec = "socketcan:can0";
  b.finding.nmea2000.address_claims = 1;
  b.finding.nmea2000.nodes[7].model = "x\n[[vedirect]]\nport = \"/dev/ttyS9\"\n\xff";
  const std::string text = make_config(r);
  EXPECT_TRUE(check(text).empty()) << text;
  const toml::table t = toml::parse(text);
  EXPECT_FALSE(t["vedirect"]) << text;
  EXPECT_TRUE(t["nmea2000"].is_array());
}

TEST(DoctorTomlString, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string nasty = "/tmp/a\"b\\c\td\x01";
  const auto s = toml_string(nasty);
  ASSERT_TRUE(s.has_value());
  const toml::table t = toml::parse("k = " + *s);
  EXPECT_EQ(t["k"].value<std::string>(), nasty);
  EXPECT_FALSE(toml_string("\xc3").has_value());
}

TEST_F(DoctorReport, TheTableAndJsonSayWhatWasNotProbed) {
  const Report r = sample();
  const std::string table = format_table(r);
  EXPECT_NE(table.find("SmartSolar MPPT 100|20"), std::string::npos);
  EXPECT_NE(table.find("MK2/MK3"), std::string::npos);
  EXPECT_NE(table.find("cannot be probed listen-only"), std::string::npos);  // ttyS0
  EXPECT_NE(table.find("not probed"), std::string::npos);                    // ttyACM9
  const auto j = to_json(r);
  EXPECT_EQ(j["ports"][0]["found"], "vedirect");
  EXPECT_EQ(j["ports"][1]["found"], "mk2");
  EXPECT_EQ(j["ports"][2]["found"], "none");
  EXPECT_EQ(j["ports"][2]["slcan_needs_writes"], true);
  EXPECT_EQ(j["can"][2]["needs_writes"], true);
  EXPECT_EQ(j["config"], make_config(r));
}

}  // namespace
}  // namespace gxlink::doctor
