// SPDX-License-Identifier: MIT
// The CLI contracts of DESIGN.md for this protocol, through the built gxlink binary:
// `gxlink decode canbms FILE` (JSON Lines, problems counted on stderr) and
// `gxlink snapshot canbms:FILE` (capture timestamps drive the 3 s timeout).
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace {
using nlohmann::json;

std::string run(const std::string& cmd) { return gxlink::test::run_shell(cmd).out; }

const std::string kData = GXLINK_TEST_DATA "/canbms/";

TEST(CanBmsCli, DecodePrintsOneObjectPerFrameAndCountsProblems) {
  const std::string err_file = ::testing::TempDir() + "/canbms_decode.err";
  const std::string out = run(std::string(GXLINK_BINARY) + " decode canbms " + kData +
                              "seed_candump.txt 2>" + err_file);
  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) lines.push_back(json::parse(l));
  ASSERT_EQ(lines.size(), 5u);  // 0x354 is not a CAN-bus BMS id
  EXPECT_EQ(lines[1]["id"], "0x351");
  EXPECT_EQ(lines[1]["kind"], "limits");
  EXPECT_DOUBLE_EQ(lines[1]["fields"]["charge_voltage_v"].get<double>(), 58.1);
  EXPECT_DOUBLE_EQ(lines[1]["fields"]["charge_current_a"].get<double>(), 110.0);
  EXPECT_DOUBLE_EQ(lines[1]["fields"]["discharge_current_a"].get<double>(), 110.0);
  EXPECT_DOUBLE_EQ(lines[2]["fields"]["soc_pct"].get<double>(), 89.0);
  EXPECT_DOUBLE_EQ(lines[3]["fields"]["voltage_v"].get<double>(), 56.81);
  EXPECT_EQ(lines[0]["fields"]["alarms"]["high_voltage"], "not_supported");
  EXPECT_EQ(lines[4]["kind"], "keepalive");
  const std::string err = run("cat " + err_file);
  EXPECT_NE(err.find("0x354"), std::string::npos) << err;
  EXPECT_NE(err.find("5 messages, 1 errors"), std::string::npos) << err;
}

TEST(CanBmsCli, SnapshotUsesCaptureTimeForTheLinkTimeout) {
  const std::string out =
      run(std::string(GXLINK_BINARY) + " snapshot canbms:" + kData + "lost_limits.log 2>/dev/null");
  const json m = json::parse(out);
  ASSERT_TRUE(m.contains("com.victronenergy.battery.socketcan_can0")) << out;
  const json& b = m["com.victronenergy.battery.socketcan_can0"];
  EXPECT_EQ(b["/Connected"], 0);  // last 0x351 at t0+5, capture ends at t0+9
  EXPECT_TRUE(b["/Info/MaxChargeVoltage"].is_null());
  EXPECT_TRUE(b["/Info/MaxChargeCurrent"].is_null());
  EXPECT_EQ(b["/ProductName"], "PEERBAT");
  EXPECT_EQ(b["/DeviceInstance"], 512);
}

TEST(CanBmsCli, SnapshotOfALiveBatteryKeepsItConnected) {
  const std::string out = run(std::string(GXLINK_BINARY) + " snapshot canbms:" + kData +
                              "seed_candump.txt 2>/dev/null");
  const json b = json::parse(out)["com.victronenergy.battery.socketcan_can0"];
  EXPECT_EQ(b["/Connected"], 1);
  EXPECT_DOUBLE_EQ(b["/Info/MaxChargeVoltage"].get<double>(), 58.1);
  EXPECT_DOUBLE_EQ(b["/Soc"].get<double>(), 89.0);
  EXPECT_DOUBLE_EQ(b["/Dc/0/Current"].get<double>(), 20.6);
  EXPECT_EQ(b["/ProductName"], "CAN-bus BMS battery");
}

TEST(CanBmsCli, CandumpCommandReplaysAFileAndReportsMissingDevices) {
  const std::string out = run(std::string(GXLINK_BINARY) + " candump file:" + kData +
                              "lost_limits.log@fast 2>/dev/null");
  std::istringstream in(out);
  std::size_t n = 0;
  for (std::string l; std::getline(in, l); ++n) EXPECT_NE(l.find(" can0 "), std::string::npos) << l;
  EXPECT_EQ(n, 46u);  // every frame of the capture, in candump -L form
  const std::string err =
      run(std::string(GXLINK_BINARY) +
          " candump slcan:/nonexistent/ttyACM9@500000 2>&1 >/dev/null; echo rc=$?");
  EXPECT_NE(err.find("/nonexistent/ttyACM9"), std::string::npos) << err;
  EXPECT_NE(err.find("rc=1"), std::string::npos) << err;
}

}  // namespace
