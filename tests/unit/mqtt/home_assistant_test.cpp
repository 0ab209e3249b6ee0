// SPDX-License-Identifier: MIT
#include "publishers/mqtt/home_assistant.hpp"

#include <filesystem>

#include "publishers/mqtt/mqtt_publisher.hpp"

#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_sink.hpp"

namespace gxlink::publishers::mqtt {
namespace {

using test::FakeSink;

class HaTest : public ::testing::Test {
 protected:
  HaTest() {
    auto sp = test::spec("battery", "ttyUSB0", 279);
    sp.product_id = std::int64_t{0xA389};
    sp.product_name = std::string("SmartShunt");
    sp.firmware_version = std::string("v4.16");
    auto& s = model.add_service(sp);
    s.add("/Dc/0/Voltage", test::meta("V", 2), 13.25);
    s.add("/Soc", {}, 87.5);
    s.add("/Alarms/LowVoltage", {}, std::int64_t{0});  // not a main path
    model.flush();
    options.portal_id = "p1";
  }
  model::Model model;
  FakeSink sink;
  HaOptions options;
};

TEST_F(HaTest, ConfigsForMainPathsWithDeviceAndClasses) {
  HaDiscovery ha(model, sink, options);
  ha.on_connected();
  std::map<std::string, nlohmann::json> configs;
  for (auto& m : sink.sent)
    if (m.topic.starts_with("homeassistant/")) {
      EXPECT_TRUE(m.retain);
      configs[m.topic] = nlohmann::json::parse(m.payload);
    }
  ASSERT_EQ(configs.size(), 2u);
  const std::regex topic_re("homeassistant/sensor/gxlink_p1/[A-Za-z0-9_-]+/config");
  for (auto& [t, c] : configs) EXPECT_TRUE(std::regex_match(t, topic_re)) << t;
  auto& v = configs.at("homeassistant/sensor/gxlink_p1/battery_279_Dc_0_Voltage/config");
  EXPECT_EQ(v["device_class"], "voltage");
  EXPECT_EQ(v["unit_of_measurement"], "V");
  EXPECT_EQ(v["state_class"], "measurement");
  EXPECT_EQ(v["suggested_display_precision"], 2);
  EXPECT_EQ(v["state_topic"], "gxlink/p1/battery/279/Dc/0/Voltage");
  EXPECT_EQ(v["value_template"], "{{ value_json.value }}");
  EXPECT_EQ(v["unique_id"], "gxlink_p1_battery_279_Dc_0_Voltage");
  EXPECT_EQ(v["availability_topic"], "gxlink/p1/status");
  EXPECT_EQ(v["device"]["identifiers"][0], "gxlink_p1_battery_279");
  EXPECT_EQ(v["device"]["name"], "SmartShunt");
  EXPECT_EQ(v["device"]["sw_version"], "v4.16");
  auto& soc = configs.at("homeassistant/sensor/gxlink_p1/battery_279_Soc/config");
  EXPECT_EQ(soc["device_class"], "battery");
  EXPECT_EQ(soc["unit_of_measurement"], "%");
  ASSERT_NE(sink.find("gxlink/p1/battery/279/Dc/0/Voltage"), nullptr);
  EXPECT_EQ(sink.find("gxlink/p1/battery/279/Dc/0/Voltage")->payload, R"({"value":13.25})");
  ASSERT_NE(sink.find("gxlink/p1/status"), nullptr);
  EXPECT_EQ(sink.find("gxlink/p1/status")->payload, "online");
  EXPECT_TRUE(sink.find("gxlink/p1/status")->retain);
}

TEST_F(HaTest, CustomNameWinsOverProductName) {
  model.find("com.victronenergy.battery.ttyUSB0")->set("/CustomName", std::string("House bank"));
  HaDiscovery ha(model, sink, options);
  const auto* s = model.find("com.victronenergy.battery.ttyUSB0");
  auto j = nlohmann::json::parse(ha.config_payload(*s, ha_sensors()[0]));
  EXPECT_EQ(j["device"]["name"], "House bank");
  EXPECT_EQ(j["device"]["model"], "SmartShunt");
}

TEST_F(HaTest, RemovedDeviceGetsEmptyRetainedConfigsEvenAfterAnOutage) {
  HaDiscovery ha(model, sink, options);
  ha.on_connected();
  sink.take();
  const auto* s = model.find("com.victronenergy.battery.ttyUSB0");
  sink.up = false;  // broker away when the device goes
  ha.on_service_removed(*s);
  sink.up = true;
  model.remove_service("com.victronenergy.battery.ttyUSB0");
  ha.on_connected();
  std::set<std::string> cleared;
  for (auto& m : sink.sent)
    if (m.topic.starts_with("homeassistant/") && m.payload.empty() && m.retain)
      cleared.insert(m.topic);
  EXPECT_EQ(cleared.size(), 2u);
}

TEST_F(HaTest, StaleRetainedConfigOfAGoneDeviceIsCleared) {
  HaDiscovery ha(model, sink, options);
  ha.on_connected();
  sink.take();
  // The broker hands back our own configs (ignored) and one for a device we no longer have.
  const std::string ours = "homeassistant/sensor/gxlink_p1/battery_279_Soc/config";
  const std::string stale = "homeassistant/sensor/gxlink_p1/battery_300_Soc/config";
  ha.on_message(ours, "{}");
  ha.on_message(stale, "{}");
  ha.on_message(stale, "");  // the echo of our clearing
  ha.on_message("homeassistant/sensor/other_bridge/x/config", "{}");
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].topic, stale);
  EXPECT_TRUE(sink.sent[0].payload.empty());
  EXPECT_TRUE(sink.sent[0].retain);
}

TEST_F(HaTest, ANewDeviceInstanceReplacesTheSensors) {
  HaDiscovery ha(model, sink, options);
  ha.on_connected();
  sink.take();
  auto* s = model.find("com.victronenergy.battery.ttyUSB0");
  s->set("/DeviceInstance", std::int64_t{300});
  const std::string path = "/DeviceInstance";
  model::Change c{s, &path, s->find(path)};
  ha.on_changes(std::span(&c, 1));
  std::set<std::string> cleared, configured;
  for (auto& m : sink.sent) {
    if (!m.topic.starts_with("homeassistant/")) continue;
    (m.payload.empty() ? cleared : configured).insert(m.topic);
  }
  EXPECT_EQ(cleared,
            (std::set<std::string>{"homeassistant/sensor/gxlink_p1/battery_279_Dc_0_Voltage/config",
                                   "homeassistant/sensor/gxlink_p1/battery_279_Soc/config"}));
  EXPECT_EQ(configured,
            (std::set<std::string>{"homeassistant/sensor/gxlink_p1/battery_300_Dc_0_Voltage/config",
                                   "homeassistant/sensor/gxlink_p1/battery_300_Soc/config"}));
}

TEST_F(HaTest, SensorTableUsesHaUnitsForEachDeviceClass) {
  const std::map<std::string_view, std::set<std::string_view>> allowed = {
      {"voltage", {"V"}}, {"current", {"A"}},      {"power", {"W"}},      {"energy", {"kWh"}},
      {"battery", {"%"}}, {"temperature", {"°C"}}, {"frequency", {"Hz"}}, {"duration", {"s"}}};
  std::set<std::string_view> paths;
  for (const auto& s : ha_sensors()) {
    EXPECT_TRUE(paths.insert(s.path).second) << "duplicate " << s.path;
    if (s.device_class.empty()) continue;
    ASSERT_TRUE(allowed.contains(s.device_class)) << s.path;
    EXPECT_TRUE(allowed.at(s.device_class).contains(s.unit)) << s.path;
    if (s.device_class == "energy") {
      EXPECT_EQ(s.state_class, "total_increasing") << s.path;
    }
  }
}

TEST(PortalId, DefaultIsStableAndLooksLikeAVenusId) {
  const auto dir = std::filesystem::temp_directory_path() / "gxlink-portal-id-test";
  std::filesystem::remove_all(dir);
  const auto a = default_portal_id(dir / "portal_id");
  const auto b = default_portal_id(dir / "portal_id");
  EXPECT_EQ(a, b);
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{12}"))) << a;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gxlink::publishers::mqtt
