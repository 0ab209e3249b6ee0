// SPDX-License-Identifier: MIT
// The built gxlink binary on captures: `decode vedirect` (JSON Lines, DESIGN.md) and
// `snapshot vedirect:FILE`. Uses the committed excerpts, and the shared captures when present.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace gxlink {
namespace {

struct Run {
  std::string out;
  int status = -1;
};

Run run(const std::string& args) {
  auto [code, out] = test::run_shell(std::string(GXLINK_BINARY) + " " + args + " 2>/dev/null");
  return {std::move(out), code};
}

std::vector<nlohmann::ordered_json> lines(const std::string& s) {
  std::vector<nlohmann::ordered_json> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::ordered_json::parse(line));
  return out;
}

TEST(VeDirectCli, DecodePrintsOneLinePerValidBlockAndHexFrame) {
  const std::string file = std::string(GXLINK_TEST_DATA) + "/vedirect/smartsolar_excerpt.dump";
  auto r = run("decode vedirect " + file);
  ASSERT_EQ(r.status, 0);
  auto js = lines(r.out);
  ASSERT_EQ(js.size(), 4u);  // 2 valid blocks + 2 HEX; the 2 bad blocks go to stderr only
  std::size_t text = 0, hex = 0;
  for (auto& j : js) {
    if (j["kind"] == "text") {
      ++text;
      EXPECT_EQ(j["fields"]["PID"], "0xA05F");
      EXPECT_EQ(j["fields"]["SER#"], "HQ18486U2B4");
      EXPECT_EQ(j["fields"].begin().key(), "PID");  // wire order kept
    } else {
      ++hex;
      EXPECT_EQ(j["kind"], "hex");
      EXPECT_EQ(j["command"], "async");
    }
  }
  EXPECT_EQ(text, 2u);
  EXPECT_EQ(hex, 2u);
  EXPECT_EQ(js[1]["register"], "0x1050");  // :A5010... history day 0
  EXPECT_EQ(js[2]["register"], "0x104F");
}

TEST(VeDirectCli, DecodeReadsStdinToo) {
  const std::string file = std::string(GXLINK_TEST_DATA) + "/vedirect/bluesolar_excerpt.dump";
  auto r = run("decode vedirect - < " + file);
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(lines(r.out).size(), 13u + 4u);
}

TEST(VeDirectCli, SnapshotPrintsTheModel) {
  const std::string file = std::string(GXLINK_TEST_DATA) + "/vedirect/bluesolar_excerpt.dump";
  auto r = run("snapshot vedirect:" + file);
  ASSERT_EQ(r.status, 0);
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("com.victronenergy.solarcharger.bluesolar_excerpt")) << r.out;
  const auto& s = j["com.victronenergy.solarcharger.bluesolar_excerpt"];
  EXPECT_EQ(s["/ProductName"], "BlueSolar MPPT 75|15");
  EXPECT_EQ(s["/Connected"], 1);
  EXPECT_EQ(s["/Serial"], "HQ1411MYIKN");
  EXPECT_TRUE(s["/Dc/0/Voltage"].is_number());
}

TEST(VeDirectCli, SharedCapturesDecodeToManifestCounts) {
  const std::string dir = std::string(GXLINK_SHARED_DATA) + "/vedirect/";
  if (!std::ifstream(dir + "karioja_bvm702.dump")) GTEST_SKIP() << "shared data not present";
  EXPECT_EQ(lines(run("decode vedirect " + dir + "karioja_bvm702.dump").out).size(), 906u);
  EXPECT_EQ(lines(run("decode vedirect " + dir + "karioja_smartsolar_1.39.dump").out).size(),
            493u + 2u);
  EXPECT_EQ(lines(run("decode vedirect " + dir + "karioja_bluesolar_1.23.dump").out).size(),
            247u + 7u);
  auto snap = nlohmann::json::parse(run("snapshot vedirect:" + dir + "karioja_bvm702.dump").out);
  EXPECT_EQ(snap["com.victronenergy.battery.karioja_bvm702"]["/ProductName"], "BMV-700");
}

}  // namespace
}  // namespace gxlink
