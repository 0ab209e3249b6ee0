// SPDX-License-Identifier: MIT
// The upstream wire formats: the topic/payload contract (DESIGN.md "Upstream") and InfluxDB line
// protocol with its per-element escaping (docs.influxdata.com, line protocol reference).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "publishers/upstream/upstream_format.hpp"

namespace gxlink::publishers::upstream {
namespace {

TEST(UpstreamFormat, TopicIsPrefixPortalTypeInstancePath) {
  EXPECT_EQ(mqtt_topic("fleet", "c0ffee", {"battery", 512, "/Dc/0/Voltage"}),
            "fleet/c0ffee/battery/512/Dc/0/Voltage");
  EXPECT_EQ(mqtt_topic("a/b", "p", {"system", 0, "/Soc"}), "a/b/p/system/0/Soc");
  EXPECT_EQ(mqtt_topic("", "p", {"system", 0, "/Soc"}), "p/system/0/Soc");
}

TEST(UpstreamFormat, PayloadIsAnObjectOrAnArrayOfThem) {
  StoredSample a{1, 1, 1700000000123, "26.82"}, b{2, 1, 1700000001123, "null"},
      c{3, 1, 1700000002123, "\"Bulk\""};
  const StoredSample* one[] = {&a};
  EXPECT_EQ(mqtt_payload(one), R"({"t":1700000000123,"value":26.82})");
  const StoredSample* three[] = {&a, &b, &c};
  const auto j = nlohmann::json::parse(mqtt_payload(three));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["t"], 1700000000123);
  EXPECT_TRUE(j[1]["value"].is_null());
  EXPECT_EQ(j[2]["value"], "Bulk");
}

TEST(UpstreamFormat, LineProtocolNumbersAreFloatFieldsWithMsTime) {
  std::string out;
  const LineContext ctx{"gxlink", "c0ffee"};
  ASSERT_TRUE(append_line(out, ctx, {"battery", 512, "/Dc/0/Voltage"}, 1700000000123, "26.82"));
  ASSERT_TRUE(append_line(out, ctx, {"vebus", 276, "/State"}, 1700000000124, "3"));
  EXPECT_EQ(out,
            "gxlink,instance=512,path=/Dc/0/Voltage,portal=c0ffee,service=battery value=26.82 "
            "1700000000123\n"
            "gxlink,instance=276,path=/State,portal=c0ffee,service=vebus value=3 1700000000124\n");
}

TEST(UpstreamFormat, LineProtocolStringsArraysAndNull) {
  std::string out;
  const LineContext ctx{"gx", "p"};
  ASSERT_TRUE(append_line(out, ctx, {"solarcharger", 0, "/ProductName"}, 5,
                          R"("SmartSolar \"MPPT\" 100\\20")"));
  EXPECT_EQ(out,
            "gx,instance=0,path=/ProductName,portal=p,service=solarcharger "
            "text=\"SmartSolar \\\"MPPT\\\" 100\\\\20\" 5\n");
  out.clear();
  ASSERT_TRUE(append_line(out, ctx, {"battery", 1, "/Ids"}, 6, "[1,2]"));
  EXPECT_EQ(out, "gx,instance=1,path=/Ids,portal=p,service=battery text=\"[1,2]\" 6\n");
  out.clear();
  EXPECT_FALSE(append_line(out, ctx, {"battery", 1, "/Soc"}, 7, "null"));
  EXPECT_EQ(out, "");
}

TEST(UpstreamFormat, LineProtocolEscapesEachElementItsOwnWay) {
  EXPECT_EQ(escape_measurement("my meas,x=1"), "my\\ meas\\,x=1");
  EXPECT_EQ(escape_tag("a b,c=d"), "a\\ b\\,c\\=d");
  EXPECT_EQ(escape_tag("end\\"), "end/");
  EXPECT_EQ(escape_field_string("say \"hi\" \\o/"), "say \\\"hi\\\" \\\\o/");
  EXPECT_EQ(escape_tag("two\nlines"), "two\\ lines");
  std::string out;
  ASSERT_TRUE(append_line(out, {"m m", "site 1"}, {"ty pe", 1, "/A B"}, 1, "1.5"));
  EXPECT_EQ(out, "m\\ m,instance=1,path=/A\\ B,portal=site\\ 1,service=ty\\ pe value=1.5 1\n");
}

}  // namespace
}  // namespace gxlink::publishers::upstream
