// SPDX-License-Identifier: MIT
#include "drivers/canopen/canopen_config.hpp"

#include <gtest/gtest.h>

namespace gxlink::drivers::canopen {
namespace {

CanopenConfig parse(std::string_view text) {
  auto t = toml::parse(text);
  return parse_canopen_config(*t["canopen"].as_array()->get(0)->as_table());
}

TEST(CanopenConfig, DefaultsAreTheSuperbMap) {
  const auto c = parse("[[canopen]]\ninterface = \"can1\"\nnodes = [1, 2]\n");
  EXPECT_EQ(c.interface, "can1");
  ASSERT_EQ(c.nodes.size(), 2u);
  EXPECT_EQ(c.nodes[1].id, 2);
  EXPECT_EQ(c.nodes[1].capacity_ah, 150.0);
  EXPECT_TRUE(c.aggregate);
  EXPECT_EQ(c.objects.size(), gxlink::canopen::superb_epsilon_v2_map().size());
  EXPECT_EQ(c.missing_retry, std::chrono::minutes(10));
}

TEST(CanopenConfig, ObjectsReplaceAddAndRemoveDefaults) {
  const auto c = parse(R"(
[[canopen]]
interface = "can1"
nodes = [{ id = 3, capacity_ah = 200 }, 4]
capacity_ah = 100
aggregate = false
sdo_timeout_ms = 150
sdo_retries = 2
node_timeout_s = 3
missing_retry_s = 900

[[canopen.object]]
index = 0x6060
type = "i32"
path = "/Dc/0/Voltage"
scale = 0.001
unit = "V"

[[canopen.object]]
index = 0x2013
sub = 1
type = "int16"
path = "/Dc/0/Temperature"
scale = 0.1
poll_ms = 5000

[[canopen.object]]
index = 0x6053
type = "i32"
path = "/History/AhSinceEqualization"
poll_ms = 0
)");
  EXPECT_EQ(c.nodes[0].capacity_ah, 200.0);
  EXPECT_EQ(c.nodes[1].capacity_ah, 100.0);
  EXPECT_FALSE(c.aggregate);
  EXPECT_EQ(c.sdo.timeout, milliseconds(150));
  EXPECT_EQ(c.sdo.max_retries, 2);
  EXPECT_EQ(c.node_timeout, seconds(3));
  EXPECT_EQ(c.missing_retry, seconds(900));
  int voltage = 0;
  bool has_6053 = false, has_2013 = false;
  for (const auto& o : c.objects) {
    if (o.index == 0x6060) {
      ++voltage;
      EXPECT_EQ(o.type, gxlink::canopen::DataType::kI32);
      EXPECT_EQ(o.scale, 0.001);
    }
    has_6053 |= o.index == 0x6053;
    if (o.index == 0x2013) {
      has_2013 = true;
      EXPECT_EQ(o.sub, 1);
      EXPECT_EQ(o.poll, seconds(5));
    }
  }
  EXPECT_EQ(voltage, 1);
  EXPECT_FALSE(has_6053);
  EXPECT_TRUE(has_2013);
}

TEST(CanopenConfig, NoDefaultObjects) {
  const auto c = parse(R"(
[[canopen]]
default_objects = false
[[canopen.object]]
index = 0x6081
type = "u8"
path = "/Soc"
)");
  ASSERT_EQ(c.objects.size(), 1u);
  EXPECT_TRUE(c.nodes.empty());
}

TEST(CanopenConfig, BadValuesAreClearErrors) {
  auto msg = [](std::string_view text) {
    try {
      parse(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg("[[canopen]]\nnodes = [0]\n").find("nodes[]"), std::string::npos);
  EXPECT_NE(msg("[[canopen]]\nnodes = [128]\n").find("1..127"), std::string::npos);
  EXPECT_NE(msg("[[canopen]]\nnodes = [1, 1]\n").find("twice"), std::string::npos);
  EXPECT_NE(msg("[[canopen]]\nnodes = 1\n").find("array"), std::string::npos);
  EXPECT_NE(
      msg("[[canopen]]\n[[canopen.object]]\nindex = 0x6060\ntype = \"float\"\npath = \"/X\"\n")
          .find("type"),
      std::string::npos);
  EXPECT_NE(msg("[[canopen]]\n[[canopen.object]]\nindex = 0x6060\ntype = \"u8\"\npath = \"X\"\n")
                .find("path"),
            std::string::npos);
  EXPECT_NE(
      msg("[[canopen]]\n[[canopen.object]]\ntype = \"u8\"\npath = \"/X\"\n").find("needs index"),
      std::string::npos);
  EXPECT_NE(msg("[[canopen]]\nsdo_timeout_ms = 0\n").find("sdo_timeout_ms"), std::string::npos);
}

}  // namespace
}  // namespace gxlink::drivers::canopen
