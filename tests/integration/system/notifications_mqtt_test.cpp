// SPDX-License-Identifier: MIT
// Notifications acknowledged over MQTT (issue 12 item 5): a Venus-style `W/<portal>/platform/0/
// Notifications/...` message, as the Venus GUI and VRM send it, reaches the notifications
// component through the bridge's Model::write; the notification's state comes back as `N/` topics.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "publishers/mqtt/venus_bridge.hpp"
#include "system/notifications.hpp"
#include "system/system_layer.hpp"
#include "unit/mqtt/fake_sink.hpp"

namespace gxlink {
namespace {

/// The "value" of the last message on `topic`, or null.
nlohmann::json value(const publishers::mqtt::test::FakeSink& sink, std::string_view topic) {
  const auto* m = sink.find(topic);
  if (!m) return nullptr;
  auto j = nlohmann::json::parse(m->payload, nullptr, false);
  return j.is_object() && j.contains("value") ? j["value"] : nlohmann::json();
}

TEST(NotificationsOverMqtt, AWriteAcknowledgesOneAndThenAll) {
  asio::io_context io;
  model::Model model;
  auto& s = model.add_service(publishers::mqtt::test::spec("battery", "ttyUSB0", 279));
  s.set("/ProductName", std::string("SmartShunt"));
  s.set("/Alarms/LowVoltage", std::int64_t{2});
  s.set("/Alarms/LowSoc", std::int64_t{1});
  system::SystemLayer layer(io, model, [] { return TimePoint{}; });
  auto n = std::make_unique<system::Notifications>(layer.context());
  auto* notif = n.get();
  layer.add(std::move(n));
  layer.start();
  layer.tick(TimePoint{} + seconds(1));
  model.flush();
  ASSERT_EQ(notif->list().size(), 2u);

  publishers::mqtt::test::FakeSink sink;
  publishers::mqtt::VenusOptions o;
  o.portal_id = "p1";
  o.writes = true;
  publishers::mqtt::VenusBridge bridge(model, sink, o);
  // As MqttPublisher does: the model's change batches reach the bridge.
  struct Forward : model::Observer {
    publishers::mqtt::VenusBridge& b;
    explicit Forward(publishers::mqtt::VenusBridge& bridge) : b(bridge) {}
    void on_changes(std::span<const model::Change> c) override { b.on_changes(c); }
  } forward(bridge);
  model.add_observer(&forward);
  const TimePoint t0{seconds(1000)};
  bridge.on_connected(t0);
  bridge.on_message("R/p1/keepalive", "", false, t0);
  while (bridge.pump(1000)) {
  }
  EXPECT_EQ(value(sink, "N/p1/platform/0/Notifications/0/Acknowledged"), 0);
  EXPECT_EQ(value(sink, "N/p1/platform/0/Notifications/1/Description"), "Low voltage");

  // Scan order: LowSoc (warning) in slot 0, LowVoltage (alarm) in slot 1.
  bridge.on_message("W/p1/platform/0/Notifications/1/Acknowledged", R"({"value": 1})", false, t0);
  EXPECT_TRUE(notif->list()[1].acknowledged);
  EXPECT_FALSE(notif->list()[0].acknowledged);
  EXPECT_EQ(model::as_int(model.find("com.victronenergy.platform")->get("/Notifications/Alarm")),
            0);
  bridge.on_message("W/p1/platform/0/Notifications/AcknowledgeAll", R"({"value": 1})", false, t0);
  EXPECT_TRUE(notif->list()[0].acknowledged);
  EXPECT_EQ(bridge.stats().writes_ok, 2u);

  model.flush();
  while (bridge.pump(1000)) {
  }
  EXPECT_EQ(value(sink, "N/p1/platform/0/Notifications/0/Acknowledged"), 1);
  EXPECT_EQ(value(sink, "N/p1/platform/0/Notifications/NumberOfUnAcknowledgedNotifications"), 0);
  model.remove_observer(&forward);
}

}  // namespace
}  // namespace gxlink
