// SPDX-License-Identifier: MIT
// `gxlink snapshot --system` on Venus recordings of real systems (../shared/data/dbus, from
// victronenergy/dbus-recorder, MIT). The expected values are derived by hand from the recordings
// with the rules of venus_os.md §5.2/5.3: which battery the GX picks, and /Dc/Battery and /Dc/Pv
// from that battery's and the solar charger's last recorded values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support/process.hpp"

namespace gxlink {
namespace {

using nlohmann::json;

// GXLINK_SHARED_DATA in the environment wins, so a worktree without ../shared can point at it.
std::string recorder_dir() {
  const char* env = std::getenv("GXLINK_SHARED_DATA");
  return std::string(env ? env : GXLINK_SHARED_DATA) + "/dbus/dbus-recorder/";
}

#define SKIP_WITHOUT_RECORDINGS()                               \
  if (!std::filesystem::exists(recorder_dir() + "battery.csv")) \
  GTEST_SKIP() << "no recordings at " << recorder_dir() << " (../shared/data absent)"

/// Runs gxlink with stdout only (stderr carries the problem counts).
std::pair<int, std::string> gxlink(const std::vector<std::string>& args) {
  std::string cmd = "'" GXLINK_BINARY "'";
  for (auto& a : args) cmd += " '" + a + "'";
  return test::run_command({"/bin/sh", "-c", cmd + " 2>/dev/null"});
}

std::vector<std::string> recordings(std::initializer_list<const char*> files) {
  std::vector<std::string> out = {"snapshot", "--system"};
  for (auto* f : files) out.push_back("dbus-recording:" + recorder_dir() + f);
  return out;
}

json final_model(const std::vector<std::string>& args) {
  auto [code, out] = gxlink(args);
  EXPECT_EQ(code, 0) << out;
  return json::parse(out, nullptr, false);
}

const std::initializer_list<const char*> kEss = {"battery.csv", "vebus.csv", "solarcharger.csv",
                                                 "grid.csv", "pvinverter.csv"};

TEST(SystemReplay, EssDemoPicksTheBmvAndComputesDcFromTheLastRecordedValues) {
  SKIP_WITHOUT_RECORDINGS();
  json m = final_model(recordings(kEss));
  ASSERT_TRUE(m.is_object());
  const json& s = m["com.victronenergy.system"];
  // The only battery service, BMV-702 on ttyO0, instance 256 (no BMS in this system).
  EXPECT_EQ(s["/ActiveBatteryService"], "com.victronenergy.battery/256");
  EXPECT_EQ(s["/AutoSelectedBatteryService"], "BMV-702 on VE.Direct");
  EXPECT_TRUE(s["/ActiveBmsService"].is_null());
  // battery.csv: last /Dc/0/Voltage (t=94) 56.9599990845, /Dc/0/Current (t=93) 6.5,
  // /Dc/0/Power (t=93) 370.239990234; /Soc 100.0 never changes.
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Voltage"].get<double>(), 56.9599990845);
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Current"].get<double>(), 6.5);
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Power"].get<double>(), 370.239990234);
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Soc"].get<double>(), 100.0);
  EXPECT_EQ(s["/Dc/Battery/State"], 1);  // 370 W > 30 W: charging
  // solarcharger.csv (no /Load/I): V 57.0600013733 × I 4.30000019073.
  EXPECT_NEAR(s["/Dc/Pv/Power"].get<double>(), 57.0600013733 * 4.30000019073, 1e-9);
  EXPECT_NEAR(s["/Dc/Pv/Current"].get<double>(), 4.30000019073, 1e-12);
  // The GX's recorded DVCC writes are not replayed: /Link/ChargeVoltage keeps its initial value
  // (59.0999984741) although the recording changes it seven times (last 58.9500007629).
  EXPECT_DOUBLE_EQ(m["com.victronenergy.solarcharger.ttyO2"]["/Link/ChargeVoltage"].get<double>(),
                   59.0999984741);
  // The settings service is part of the replayed system.
  EXPECT_EQ(m["com.victronenergy.settings"]["/Settings/SystemSetup/BatteryService"], "default");
}

TEST(SystemReplay, BoatDemoOnePicksTheLowestInstanceBatteryMonitor) {
  SKIP_WITHOUT_RECORDINGS();
  json m = final_model(recordings({"battery-house.csv", "battery-hydraulic.csv", "solarcharger.csv",
                                   "vebus.csv", "ruuvi.csv"}));
  const json& s = m["com.victronenergy.system"];
  // Two BMVs without BMS: instance 256 (House battery) beats 258 (Hydraulic battery).
  EXPECT_EQ(s["/ActiveBatteryService"], "com.victronenergy.battery/256");
  EXPECT_EQ(s["/AutoSelectedBatteryService"], "House battery");  // its /CustomName
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Voltage"].get<double>(), 51.40999984741211);
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Current"].get<double>(), 9.69999694824219);
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Power"].get<double>(), 429.047119140625);
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Soc"].get<double>(), 58.20000076293945);
  EXPECT_NEAR(s["/Dc/Pv/Power"].get<double>(), 57.0600013733 * 4.30000019073, 1e-9);
}

TEST(SystemReplay, BoatDemoTwoAddsTheAlternator) {
  SKIP_WITHOUT_RECORDINGS();
  json m = final_model(recordings({"demo2_alternator.csv", "demo2_battery.csv",
                                   "demo2_hydropack_battery.csv", "demo2_solarcharger.csv",
                                   "demo2_vebus.csv", "demo2_water.csv", "demo2_fridge.csv"}));
  const json& s = m["com.victronenergy.system"];
  EXPECT_EQ(s["/ActiveBatteryService"], "com.victronenergy.battery/256");
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Voltage"].get<double>(), 24.3);
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Current"].get<double>(), 55.0);
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Power"].get<double>(), 1337.0);
  EXPECT_NEAR(s["/Dc/Pv/Power"].get<double>(), 24.3 * 1.7, 1e-9);
  EXPECT_DOUBLE_EQ(s["/Dc/Alternator/Power"].get<double>(), 1608.8);
}

TEST(SystemReplay, EveryPrintsTheModelOnTheRecordingClock) {
  SKIP_WITHOUT_RECORDINGS();
  auto args = recordings(kEss);
  args.insert(args.begin() + 2, {"--every", "10"});
  auto [code, out] = gxlink(args);
  ASSERT_EQ(code, 0);
  std::istringstream lines(out);
  std::string line;
  std::vector<json> rows;
  while (std::getline(lines, line)) rows.push_back(json::parse(line, nullptr, false));
  // t = 0, 10, ..., 90: the recordings end at t = 95 (vebus.csv).
  ASSERT_EQ(rows.size(), 10u) << out.substr(0, 400);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_TRUE(rows[i].is_object());
    EXPECT_EQ(rows[i]["t"], 10 * static_cast<int>(i));
    const json& model = rows[i]["model"];
    // No lag: the system view at t is computed from the recording's values at t.
    EXPECT_EQ(model["com.victronenergy.system"]["/Dc/Battery/Power"],
              model["com.victronenergy.battery.ttyO0"]["/Dc/0/Power"])
        << "t=" << rows[i]["t"];
  }
  // At t = 0 the battery is at its initial state (battery.csv: 472.851013184 W, first change t=1).
  EXPECT_DOUBLE_EQ(rows[0]["model"]["com.victronenergy.system"]["/Dc/Battery/Power"].get<double>(),
                   472.851013184);
}

TEST(SystemReplay, ASetupFileChoosesTheBatteryAndOverridesDeviceValues) {
  SKIP_WITHOUT_RECORDINGS();
  auto setup =
      std::filesystem::temp_directory_path() / ("gxlink-setup-" + std::to_string(::getpid()));
  std::ofstream(setup) << "# venus-docker setup\n"
                          "com.victronenergy.settings /Settings/SystemSetup/BatteryService "
                          "com.victronenergy.vebus/257\n"
                          "com.victronenergy.settings /Settings/SystemSetup/HasDcSystem 1\n"
                          "com.victronenergy.vebus.ttyO1 /CustomName My Multi\n";
  auto args = recordings(kEss);
  args.insert(args.begin() + 2, {"--settings", setup.string()});
  json m = final_model(args);
  std::filesystem::remove(setup);
  const json& s = m["com.victronenergy.system"];
  EXPECT_EQ(s["/ActiveBatteryService"], "com.victronenergy.vebus/257");
  EXPECT_TRUE(s["/AutoSelectedBatteryService"].is_null());
  // vebus.csv: /Dc/0/Voltage 56.8499984741 (t=94), /Dc/0/Current 4.5 (t=95); with a DC system
  // the Multi's own current is the battery current.
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Voltage"].get<double>(), 56.8499984741);
  EXPECT_DOUBLE_EQ(s["/Dc/Battery/Current"].get<double>(), 4.5);
  EXPECT_EQ(m["com.victronenergy.settings"]["/Settings/SystemSetup/HasDcSystem"], 1);
  EXPECT_EQ(m["com.victronenergy.vebus.ttyO1"]["/CustomName"], "My Multi");
  EXPECT_NE(s["/AvailableBatteryServices"].get<std::string>().find(
                R"("com.victronenergy.vebus/257": "My Multi")"),
            std::string::npos);
  // The same choice as a dict (a{sv} on D-Bus) and the chosen Multi listed in /Batteries as the
  // active measurement, though a Multi is hidden by default (batterydata.py).
  EXPECT_EQ(s["/AvailableBatteryMeasurements"]["com_victronenergy_vebus_257/Dc/0"], "My Multi");
  EXPECT_EQ(s["/AvailableBatteryMeasurements"]["default"], "Automatic");
  ASSERT_TRUE(s["/Batteries"].is_array()) << s["/Batteries"].dump();
  int multis = 0;
  for (const json& b : s["/Batteries"]) {
    if (b["id"] != "com.victronenergy.vebus.ttyO1") continue;
    ++multis;
    EXPECT_EQ(b["active_battery_service"], true);
    EXPECT_EQ(b["name"], "My Multi");
    EXPECT_EQ(b["instance"], 257);
    EXPECT_DOUBLE_EQ(b["voltage"].get<double>(), 56.8499984741);
  }
  EXPECT_EQ(multis, 1) << s["/Batteries"].dump();
}

// DVCC on (setup: /Settings/Services/Bol 1) in the recorded ESS system: the GX's own /Link/*
// writes are not replayed and gxlink's take their place. No BMS and no user limit, so (venus_os.md
// §5.4) the MPPT gets the ESS Multi's /Hub/ChargeVoltage, NetworkMode 1|4 = 5 (no BMS bit), its
// own /Settings/ChargeCurrentLimit (35 A) as /Link/ChargeCurrent, and the BMV's voltage as sense.
// Every 3 s row is a DVCC cycle: the values match the recording's at that very second.
TEST(SystemReplay, DvccWritesReachTheReplayedSolarCharger) {
  SKIP_WITHOUT_RECORDINGS();
  auto setup =
      std::filesystem::temp_directory_path() / ("gxlink-dvcc-setup-" + std::to_string(::getpid()));
  std::ofstream(setup) << "com.victronenergy.settings /Settings/Services/Bol 1\n";
  auto args = recordings(kEss);
  args.insert(args.begin() + 2, {"--settings", setup.string(), "--every", "3"});
  auto [code, out] = gxlink(args);
  std::filesystem::remove(setup);
  ASSERT_EQ(code, 0);
  std::istringstream lines(out);
  std::string line;
  int rows = 0;
  std::set<double> hub_voltages;
  while (std::getline(lines, line)) {
    json row = json::parse(line, nullptr, false);
    ASSERT_TRUE(row.is_object());
    const json& m = row["model"];
    const json& mppt = m["com.victronenergy.solarcharger.ttyO2"];
    SCOPED_TRACE("t=" + row["t"].dump());
    EXPECT_EQ(mppt["/Link/ChargeVoltage"],
              m["com.victronenergy.vebus.ttyO1"]["/Hub/ChargeVoltage"]);
    EXPECT_EQ(mppt["/Link/NetworkMode"], 5);
    EXPECT_EQ(mppt["/Link/ChargeCurrent"], 35.0);
    // An ESS system (the Multi's /Hub4/AssistantId is 5): the Multi is the chargers' voltage
    // reference, not the BMV (batterysense.py; Victron's systemcalc writes the same here).
    EXPECT_EQ(mppt["/Link/VoltageSense"], m["com.victronenergy.vebus.ttyO1"]["/Dc/0/Voltage"]);
    EXPECT_EQ(m["com.victronenergy.system"]["/Control/Dvcc"], 1);
    EXPECT_EQ(m["com.victronenergy.system"]["/Control/SolarChargeVoltage"], 1);
    hub_voltages.insert(mppt["/Link/ChargeVoltage"].get<double>());
    ++rows;
  }
  EXPECT_EQ(rows, 32);  // t = 0, 3, ..., 93
  // vebus.csv changes /Hub/ChargeVoltage between 59.05, 59.1 and 59.15 V; the MPPT followed.
  EXPECT_EQ(hub_voltages.size(), 3u);
}

TEST(SystemReplay, UsageErrors) {
  auto [c1, o1] = gxlink({"snapshot", "--every", "5", "dbus-recording:/dev/null"});
  EXPECT_EQ(c1, 2);
  auto [c2, o2] = gxlink({"snapshot", "--system", "vedirect:/dev/null"});
  EXPECT_EQ(c2, 2);
  auto [c3, o3] = gxlink({"snapshot", "--system", "--every", "0", "dbus-recording:/dev/null"});
  EXPECT_EQ(c3, 2);
}

}  // namespace
}  // namespace gxlink
