// SPDX-License-Identifier: MIT
#include "publishers/history/history_paths.hpp"

#include <gtest/gtest.h>

namespace gxlink::publishers::history {
namespace {

TEST(HistoryPaths, GlobStarMatchesWithinOneSegment) {
  EXPECT_TRUE(glob_match("/Ac/Out/L*/P", "/Ac/Out/L1/P"));
  EXPECT_TRUE(glob_match("/Ac/Out/L*/P", "/Ac/Out/L23/P"));
  EXPECT_FALSE(glob_match("/Ac/Out/L*/P", "/Ac/Out/L1/X/P"));
  EXPECT_TRUE(glob_match("*", "battery"));
  EXPECT_FALSE(glob_match("*", "a/b"));
  EXPECT_TRUE(glob_match("/Dc/*/Voltage", "/Dc/0/Voltage"));
  EXPECT_FALSE(glob_match("/Soc", "/Soc2"));
  EXPECT_TRUE(glob_match("a*b*c", "axxbyyc"));
  EXPECT_FALSE(glob_match("a*b*c", "axxbyy"));
}

TEST(HistoryPaths, DefaultsCoverTheMainPathsOfEachService) {
  const auto rules = default_path_rules();
  EXPECT_TRUE(match_rule(rules, "com.victronenergy.system", "/Dc/Battery/Soc"));
  EXPECT_TRUE(match_rule(rules, "com.victronenergy.system", "/Ac/Consumption/L2/Power"));
  EXPECT_TRUE(match_rule(rules, "com.victronenergy.battery.ttyUSB1", "/Dc/0/Voltage"));
  EXPECT_TRUE(match_rule(rules, "com.victronenergy.solarcharger.ttyUSB0", "/Yield/Power"));
  EXPECT_TRUE(match_rule(rules, "com.victronenergy.vebus.ttyUSB2", "/Ac/Out/L1/P"));
  EXPECT_FALSE(match_rule(rules, "com.victronenergy.battery.ttyUSB1", "/ProductName"));
  EXPECT_FALSE(match_rule(rules, "com.victronenergy.battery.ttyUSB1", "/Mgmt/Connection"));
  EXPECT_FALSE(match_rule(rules, "org.example.battery", "/Dc/0/Voltage"));
  EXPECT_GT(match_rule(rules, "com.victronenergy.battery.x", "/Dc/0/Voltage")->deadband, 0);
}

TEST(HistoryPaths, ConfigEntriesAreTypeColonPath) {
  auto r = parse_path_rule("tank:/Level");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->service_type, "tank");
  EXPECT_EQ(r->path, "/Level");
  EXPECT_FALSE(parse_path_rule("tank/Level"));
  EXPECT_FALSE(parse_path_rule(":/Level"));
  EXPECT_FALSE(parse_path_rule("tank:Level"));
  EXPECT_FALSE(parse_path_rule("tank:/"));
  EXPECT_EQ(service_type_of("com.victronenergy.battery.socketcan_can0"), "battery");
  EXPECT_EQ(service_type_of("com.victronenergy.system"), "system");
  EXPECT_EQ(service_type_of("other"), "");
}

}  // namespace
}  // namespace gxlink::publishers::history
