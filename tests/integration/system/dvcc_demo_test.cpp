// SPDX-License-Identifier: MIT
// The demo as one 48 V system obeying DVCC (issue 12 items 4 and 7): the CAN-bus BMS's limits go
// through gxlink's DVCC into the VE.Direct MPPT's network registers and the Multi's charge
// current, and the simulated devices act on them. Read back over HTTP from `gxlink run --demo`.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace gxlink {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kMppt = "com.victronenergy.solarcharger.ttyUSB0";
constexpr const char* kMulti = "com.victronenergy.vebus.ttyMK3";
constexpr const char* kBms = "com.victronenergy.battery.socketcan_can0";
constexpr const char* kSystem = "com.victronenergy.system";

struct Demo {
  std::filesystem::path dir;
  int port = test::free_tcp_port();
  std::unique_ptr<test::Process> gx;
  std::unique_ptr<httplib::Client> cli;

  explicit Demo(const std::string& extra_config = {}) {
    dir =
        std::filesystem::temp_directory_path() / ("gxlink-dvcc-demo-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
    std::ofstream(dir / "gxlink.toml")
        << "[general]\ndemo = true\ndata_dir = \"" << (dir / "data").string() << "\"\n"
        << extra_config;
    gx = std::make_unique<test::Process>(std::vector<std::string>{
        GXLINK_BINARY, "run", "--config", (dir / "gxlink.toml").string(), "--no-tui", "--dbus",
        "none", "--http", "127.0.0.1:" + std::to_string(port)});
    cli = std::make_unique<httplib::Client>("127.0.0.1", port);
    cli->set_connection_timeout(1);
  }
  ~Demo() {
    if (gx) gx->stop();
    std::filesystem::remove_all(dir);
  }
  json model() {
    auto res = cli->Get("/api/model");
    if (!res || res->status != 200) return json();
    auto j = json::parse(res->body, nullptr, false);
    return j.is_discarded() ? json() : j;
  }
};

std::optional<double> num(const json& m, const char* svc, const char* path) {
  if (!m.contains(svc) || !m[svc].contains(path) || !m[svc][path].is_number()) return std::nullopt;
  return m[svc][path].get<double>();
}

TEST(DvccDemo, BmsLimitsReachTheMpptAndTheMultiAndTheyObey) {
  Demo demo;
  json m;
  // DVCC writes every 3 s; the MPPT takes the values over HEX one SET per second.
  ASSERT_TRUE(test::eventually(
      [&] {
        m = demo.model();
        return num(m, kMppt, "/Link/ChargeVoltage") && num(m, kMppt, "/Link/ChargeCurrent") &&
               num(m, kSystem, "/Control/EffectiveChargeVoltage") &&
               num(m, kMulti, "/BatteryOperationalLimits/MaxChargeCurrent") &&
               m[kMppt]["/State"] == 252;
      },
      40s))
      << demo.gx->output();
  const double cvl = *num(m, kBms, "/Info/MaxChargeVoltage");
  // The effective charge voltage is the BMS's CVL (no quirk for this BMS, no user limit, no ESS),
  // and the MPPT holds exactly it, in BMS mode (seed 003: 0x1 | 0x4 | 0x8).
  EXPECT_DOUBLE_EQ(*num(m, kSystem, "/Control/EffectiveChargeVoltage"), cvl);
  EXPECT_DOUBLE_EQ(*num(m, kMppt, "/Link/ChargeVoltage"), cvl);
  EXPECT_EQ(m[kMppt]["/Link/NetworkMode"], 13);
  EXPECT_EQ(m[kMppt]["/Settings/BmsPresent"], 1);
  EXPECT_EQ(m[kMppt]["/Link/VoltageSenseActive"], 1);
  EXPECT_DOUBLE_EQ(*num(m, kMulti, "/BatteryOperationalLimits/MaxChargeVoltage"), cvl);
  EXPECT_EQ(m[kSystem]["/Control/SolarChargeCurrent"], 1);
  // The VE.Can MPPT gets the voltage through the NMEA 2000 driver's vecan service (seed 003
  // "vecan-xxx"), broadcast as VREG 0x2001; it holds the bank at or below it.
  constexpr const char* kVecan = "com.victronenergy.vecan.can2";
  ASSERT_TRUE(test::eventually(
      [&] {
        m = demo.model();
        return num(m, kVecan, "/Link/ChargeVoltage") && num(m, kVecan, "/Link/NetworkMode");
      },
      20s))
      << m.dump();
  EXPECT_DOUBLE_EQ(*num(m, kVecan, "/Link/ChargeVoltage"), cvl);
  EXPECT_EQ(m[kVecan]["/Link/NetworkMode"], 13);

  // The MPPT's current stays within its DVCC share. Its array is larger than the share, so this
  // fails when the share is not obeyed. A value in the model may come from the share of one or
  // two DVCC cycles before (the MPPT applies a SET at its next second), so each sample is checked
  // against the largest share of the last few samples.
  // At start-up the driver sends the new link values one SET per second in register order, the
  // current limit (0x2015) last, so the first share reaches the MPPT a few seconds after /State
  // says external control. The check below starts once it has.
  ASSERT_TRUE(test::eventually(
      [&] {
        m = demo.model();
        auto share = num(m, kMppt, "/Link/ChargeCurrent");
        auto current = num(m, kMppt, "/Dc/0/Current");
        return share && current && *current <= *share + 0.05;
      },
      30s))
      << m.dump();
  std::deque<double> shares;
  int checked = 0, at_share = 0;
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(1s);
    m = demo.model();
    auto share = num(m, kMppt, "/Link/ChargeCurrent");
    auto current = num(m, kMppt, "/Dc/0/Current");
    auto voltage = num(m, kMppt, "/Dc/0/Voltage");
    if (!share || !current || !voltage) continue;
    shares.push_back(*share);
    if (shares.size() > 4) shares.pop_front();
    const double allowed = *std::max_element(shares.begin(), shares.end());
    EXPECT_LE(*current, allowed + 0.05) << "sample " << i << ": share " << *share;
    EXPECT_LE(*voltage, cvl + 0.05) << "sample " << i;
    if (std::fabs(*current - *share) < 1.0) ++at_share;
    ++checked;
  }
  EXPECT_GE(checked, 5);
  RecordProperty("samples_at_share", at_share);

  // The Multi: the BMS's CCL less what the other sources make, as its charge current.
  ASSERT_TRUE(test::eventually(
      [&] {
        m = demo.model();
        auto limit = num(m, kMulti, "/BatteryOperationalLimits/MaxChargeCurrent");
        auto current = num(m, kMulti, "/Dc/0/Current");
        return limit && current && *current <= *limit + 0.5;
      },
      30s))
      << m.dump();
  EXPECT_EQ(demo.gx->stop(), 0) << demo.gx->output();
}

// The demo's DC currents add up (issue 12 item 7): the SmartShunt (VE.Direct) and the BMS (CAN-bus)
// measure the same bank, and what they measure is what the two MPPTs (VE.Direct and VE.Can) and
// the Multi (VE.Bus) report, less the house DC loads no device measures (4.6 .. 8.4 A in the
// demo, app/demo.cpp). Each device reports on its own clock, so single samples may straddle a
// change; the medians of ten samples must agree.
// [system.charge_control] (issue 16) in the real daemon: the config is accepted; with the demo's
// CAN-bus BMS selected its limits win and the controller stays off; with no BMS and the SuperB
// CANopen bank (no limits of its own, no cell voltages) as the battery, DVCC's limits come from
// gxlink's controller, labelled as such.
TEST(DvccDemo, ChargeControllerStandsInWhenNoBmsIsSelected) {
  Demo demo(
      "[http]\nwrites = true\n"
      "[system.charge_control]\nenabled = true\nchemistry = \"lfp\"\ncells = 4\n"
      "charge_voltage = 13.8\ncharge_current = 80\ndischarge_current = 120\n");
  constexpr const char* kBank = "com.victronenergy.battery.canopen_bank";
  json m;
  ASSERT_TRUE(test::eventually(
      [&] {
        m = demo.model();
        return num(m, kSystem, "/Control/EffectiveChargeVoltage") &&
               num(m, kBank, "/Dc/0/Voltage") && m[kBank].contains("/DeviceInstance");
      },
      40s))
      << demo.gx->output();
  EXPECT_EQ(m[kSystem]["/Dvcc/ChargeControl/Active"], 0);
  EXPECT_EQ(m[kSystem]["/ActiveBmsService"], kBms);
  EXPECT_DOUBLE_EQ(*num(m, kSystem, "/Dc/Battery/ChargeVoltage"),
                   *num(m, kBms, "/Info/MaxChargeVoltage"));

  auto percent_encoded = [](const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '.') {
        out += static_cast<char>(c);
      } else {
        constexpr char kHex[] = "0123456789ABCDEF";
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  };
  auto write = [&](const char* path, const std::string& value_json) {
    auto res = demo.cli->Post(std::string("/api/write?service=com.victronenergy.settings&path=") +
                                  path + "&value=" + percent_encoded(value_json),
                              "", "text/plain");
    return res && res->status == 200;
  };
  const std::string bank_ref = "\"com.victronenergy.battery/" +
                               std::to_string(m[kBank]["/DeviceInstance"].get<int>()) + "\"";
  ASSERT_TRUE(write("/Settings/SystemSetup/BmsInstance", "-255"));
  ASSERT_TRUE(write("/Settings/SystemSetup/BatteryService", bank_ref));
  ASSERT_TRUE(test::eventually(
      [&] {
        m = demo.model();
        // (the status follows each second, the limits at DVCC's next 3 s cycle)
        return m[kSystem]["/Dvcc/ChargeControl/Active"] == 1 &&
               num(m, kSystem, "/Dc/Battery/ChargeVoltage") ==
                   num(m, kSystem, "/Dvcc/ChargeControl/MaxChargeVoltage");
      },
      30s))
      << m[kSystem].dump();
  EXPECT_EQ(m[kSystem]["/Dvcc/ChargeControl/Service"], kBank);
  EXPECT_EQ(m[kSystem]["/Dvcc/ChargeControl/Phase"].is_string(), true);
  const double cvl = *num(m, kSystem, "/Dvcc/ChargeControl/MaxChargeVoltage");
  EXPECT_LE(cvl, 13.8 + 1e-9);
  EXPECT_GE(cvl, 4 * 2.9);
  EXPECT_DOUBLE_EQ(*num(m, kSystem, "/Dc/Battery/ChargeVoltage"), cvl);
  EXPECT_LE(*num(m, kSystem, "/Dvcc/ChargeControl/MaxChargeCurrent"), 80 + 1e-9);
  EXPECT_TRUE(m[kSystem]["/ActiveBmsService"].is_null() || m[kSystem]["/ActiveBmsService"] == "")
      << m[kSystem]["/ActiveBmsService"];
}

TEST(DvccDemo, DcCurrentsOfTheHouseBankAddUp) {
  Demo demo;
  constexpr const char* kShunt = "com.victronenergy.battery.ttyUSB1";
  json m;
  std::string vecan_mppt;
  ASSERT_TRUE(test::eventually(
      [&] {
        m = demo.model();
        for (auto& [name, paths] : m.items())
          if (name.rfind("com.victronenergy.solarcharger.socketcan_", 0) == 0) vecan_mppt = name;
        return !vecan_mppt.empty() && num(m, vecan_mppt.c_str(), "/Dc/0/Current") &&
               num(m, kShunt, "/Dc/0/Current") && num(m, kBms, "/Dc/0/Current") &&
               num(m, kMppt, "/Dc/0/Current") && num(m, kMulti, "/Dc/0/Current");
      },
      40s))
      << demo.gx->output();
  std::vector<double> shunt_vs_bms, unmeasured, vecan_over;
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(700ms);
    m = demo.model();
    auto shunt = num(m, kShunt, "/Dc/0/Current"), bms = num(m, kBms, "/Dc/0/Current");
    auto a = num(m, kMppt, "/Dc/0/Current"), b = num(m, vecan_mppt.c_str(), "/Dc/0/Current");
    auto c = num(m, kMulti, "/Dc/0/Current");
    if (!shunt || !bms || !a || !b || !c) continue;
    shunt_vs_bms.push_back(std::fabs(*shunt - *bms));
    unmeasured.push_back(*a + *b + *c - *shunt);
    // The VE.Can MPPT takes its DVCC share as an addressed VREG 0x2015 and keeps within it.
    if (auto share = num(m, vecan_mppt.c_str(), "/Link/ChargeCurrent"))
      vecan_over.push_back(*b - *share);
  }
  ASSERT_GE(vecan_over.size(), 6u) << m.dump();
  ASSERT_GE(shunt_vs_bms.size(), 6u);
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  EXPECT_LE(median(shunt_vs_bms), 0.5);
  EXPECT_GE(median(unmeasured), 4.6 - 1.0);
  EXPECT_LE(median(unmeasured), 8.4 + 1.0);
  EXPECT_LE(median(vecan_over), 0.05);
  EXPECT_EQ(demo.gx->stop(), 0) << demo.gx->output();
}

// Types as Venus has them (issue 12 interop): /FirmwareVersion and /ProductId are integers in
// every device service, and set wherever the device tells them.
TEST(DvccDemo, EveryDeviceHasIntegerFirmwareVersionAndProductId) {
  Demo demo;
  json m;
  ASSERT_TRUE(test::eventually(
      [&] {
        m = demo.model();
        return num(m, kMulti, "/ProductId") && num(m, kMppt, "/FirmwareVersion") &&
               m.contains("com.victronenergy.battery.canopen_node2") &&
               !m["com.victronenergy.battery.canopen_node2"]["/FirmwareVersion"].is_null();
      },
      30s))
      << demo.gx->output();
  int devices = 0;
  for (auto& [name, paths] : m.items()) {
    if (name == kSystem || name == "com.victronenergy.settings" ||
        name == "com.victronenergy.platform")
      continue;
    ++devices;
    for (const char* p : {"/FirmwareVersion", "/ProductId"}) {
      ASSERT_TRUE(paths.contains(p)) << name << p;
      EXPECT_TRUE(paths[p].is_null() || paths[p].is_number_integer()) << name << p << paths[p];
    }
  }
  EXPECT_GE(devices, 6);
  // The Multi's version number 2620422 as Venus shows it (vebus.csv: 0x2620, 0x422).
  EXPECT_EQ(m[kMulti]["/ProductId"], 0x2620);
  EXPECT_EQ(m[kMulti]["/FirmwareVersion"], 0x422);
  EXPECT_EQ(m[kMppt]["/ProductId"], 0xA058);
  EXPECT_EQ(m[kMppt]["/FirmwareVersion"], 0x161);
  EXPECT_EQ(m["com.victronenergy.battery.canopen_node2"]["/FirmwareVersion"], 0x10004);
  EXPECT_EQ(demo.gx->stop(), 0) << demo.gx->output();
}

}  // namespace
}  // namespace gxlink
