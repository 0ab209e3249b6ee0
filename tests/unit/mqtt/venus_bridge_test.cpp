// SPDX-License-Identifier: MIT
#include "publishers/mqtt/venus_bridge.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_sink.hpp"

namespace gxlink::publishers::mqtt {
namespace {

using test::FakeSink;

constexpr std::string_view kBattery = "com.victronenergy.battery.ttyUSB0";

class VenusBridgeTest : public ::testing::Test {
 protected:
  VenusBridgeTest() {
    auto& s = model.add_service(test::spec("battery", "ttyUSB0", 279));
    s.add("/Dc/0/Voltage", {}, 13.25);
    s.add("/Dc/0/Current", {}, -1.5);
    s.add("/DcX", {}, 1.0);
    s.add("/Soc", test::meta("", -1, 0.0, 100.0), 87.5);
    model::ItemMeta w;
    w.writable = true;
    w.min = 0;
    w.max = 50;
    s.add("/Settings/Limit", w, 35.0, [this](const model::Value& v) {
      written.push_back(v);
      return model::WriteResult::kOk;
    });
    model.flush();
    options.portal_id = "p1";
    options.unix_time = [] { return std::int64_t{1700000000}; };
  }

  VenusBridge& make() {
    bridge = std::make_unique<VenusBridge>(model, sink, options);
    bridge->set_work_scheduler([this] { ++scheduled; });
    return *bridge;
  }
  std::size_t count_prefix(std::string_view prefix) const {
    std::size_t n = 0;
    for (auto& m : sink.sent) n += m.topic.starts_with(prefix);
    return n;
  }
  void drain() {
    while (bridge->pump(1000)) {
    }
  }

  model::Model model;
  FakeSink sink;
  VenusOptions options;
  std::unique_ptr<VenusBridge> bridge;
  std::vector<model::Value> written;
  int scheduled = 0;
  TimePoint t0{seconds(1000)};
};

TEST_F(VenusBridgeTest, ConnectSendsRetainedSerialAndKeepaliveAdvertOnly) {
  auto& b = make();
  b.on_connected(t0);
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(sink.sent[0].topic, "N/p1/system/0/Serial");
  EXPECT_EQ(sink.sent[0].payload, R"({"value":"p1"})");
  EXPECT_TRUE(sink.sent[0].retain);
  EXPECT_EQ(sink.sent[1].topic, "N/p1/keepalive");
  EXPECT_EQ(sink.sent[1].payload, "1");
  EXPECT_FALSE(sink.sent[1].retain);
  EXPECT_FALSE(b.has_work());
}

TEST_F(VenusBridgeTest, ChangesAreNotPublishedBeforeKeepalive) {
  auto& b = make();
  model.find(kBattery)->set("/Dc/0/Voltage", 13.5);
  model::Change c{model.find(kBattery), nullptr, nullptr};
  const std::string path = "/Dc/0/Voltage";
  c.path = &path;
  c.item = model.find(kBattery)->find(path);
  b.on_changes(std::span(&c, 1));
  EXPECT_TRUE(sink.sent.empty());
}

TEST_F(VenusBridgeTest, KeepaliveRepublishesEverythingThenCompletes) {
  auto& b = make();
  b.on_message("R/p1/keepalive", "", false, t0);
  EXPECT_EQ(scheduled, 1);
  EXPECT_TRUE(b.alive());
  sink.take();  // the first heartbeat
  drain();
  const auto& items = model.find(kBattery)->items();
  ASSERT_EQ(sink.sent.size(), items.size() + 1);
  EXPECT_EQ(sink.sent.back().topic, "N/p1/full_publish_completed");
  EXPECT_EQ(sink.sent.back().payload, R"({"value":1700000000})");
  ASSERT_NE(sink.find("N/p1/battery/279/Soc"), nullptr);
  EXPECT_EQ(sink.find("N/p1/battery/279/Soc")->payload, R"({"max":100,"min":0,"value":87.5})");
  for (auto& m : sink.sent) EXPECT_FALSE(m.retain) << m.topic;
}

TEST_F(VenusBridgeTest, RepublishIsChunkedByTheBudget) {
  auto& s = model.add_service(test::spec("bigtest", "b", 900));
  for (int i = 0; i < 1000; ++i) s.add("/P/" + std::to_string(1000 + i), {}, double(i));
  model.flush();
  auto& b = make();
  b.on_message("R/p1/keepalive", R"({"keepalive-options":[{"full-publish-completed-echo":"x"}]})",
               false, t0);
  sink.take();
  std::size_t total = 0;
  int turns = 0;
  bool more = true;
  while (more) {
    more = b.pump(100);
    const auto chunk = sink.take();
    EXPECT_LE(chunk.size(), 101u);  // the completion notice may come with the last chunk
    total += chunk.size();
    ++turns;
    ASSERT_LT(turns, 100);
  }
  const std::size_t paths = model.find(kBattery)->items().size() + s.items().size();
  EXPECT_EQ(total, paths + 1);
  EXPECT_GE(turns, 11);
}

TEST_F(VenusBridgeTest, ServiceRemovedBetweenChunksIsSkipped) {
  auto& s = model.add_service(test::spec("aaa", "first", 1));
  for (int i = 0; i < 50; ++i) s.add("/P/" + std::to_string(i), {}, double(i));
  model.flush();
  auto& b = make();
  b.on_message("R/p1/keepalive", "", false, t0);
  sink.take();
  EXPECT_TRUE(b.pump(10));  // inside com.victronenergy.aaa.first
  model.remove_service("com.victronenergy.aaa.first");
  sink.take();
  drain();
  EXPECT_EQ(count_prefix("N/p1/aaa/"), 0u);
  EXPECT_EQ(count_prefix("N/p1/battery/279/"), model.find(kBattery)->items().size());
  EXPECT_EQ(sink.sent.back().topic, "N/p1/full_publish_completed");
}

TEST_F(VenusBridgeTest, SuppressRepublishOnlyArmsTheTimer) {
  auto& b = make();
  b.on_message("R/p1/keepalive", R"({ "keepalive-options" : ["suppress-republish"] })", false, t0);
  EXPECT_TRUE(b.alive());
  EXPECT_FALSE(b.has_work());
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].topic, "N/p1/heartbeat");
}

TEST_F(VenusBridgeTest, KeepaliveExpiresAfterTheTimeoutAndHeartbeatsStop) {
  auto& b = make();
  b.on_message("R/p1/keepalive", R"({"keepalive-options":["suppress-republish"]})", false, t0);
  sink.take();
  b.on_tick(t0 + seconds(3));
  EXPECT_EQ(count_prefix("N/p1/heartbeat"), 1u);  // every 3 s
  b.on_tick(t0 + seconds(59));
  EXPECT_TRUE(b.alive());
  b.on_tick(t0 + seconds(60));
  EXPECT_FALSE(b.alive());
  sink.take();
  b.on_tick(t0 + seconds(63));
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_LE(*b.next_deadline(), t0 + seconds(64));
}

TEST_F(VenusBridgeTest, FullRepublishesAreRateLimitedToThreePerSecond) {
  auto& b = make();
  for (int i = 0; i < 5; ++i) {
    b.on_message(
        "R/p1/keepalive",
        R"({"keepalive-options":[{"full-publish-completed-echo":")" + std::to_string(i) + "\"}]}",
        false, t0);
  }
  drain();
  EXPECT_EQ(count_prefix("N/p1/full_publish_completed"), 3u);
  // Requests queued before the republish started share it: one pass over the model.
  EXPECT_EQ(count_prefix("N/p1/battery/279/Soc"), 1u);
  sink.take();
  b.on_tick(t0 + seconds(1));
  b.on_message("R/p1/keepalive", "", false, t0 + seconds(1));
  drain();
  EXPECT_EQ(count_prefix("N/p1/full_publish_completed"), 1u);
}

TEST_F(VenusBridgeTest, ReadsAnswerALeafOrASubtreeEvenWhenNotAlive) {
  auto& b = make();
  b.on_message("R/p1/battery/279/Dc/0/Voltage", "", false, t0);
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].topic, "N/p1/battery/279/Dc/0/Voltage");
  EXPECT_EQ(sink.sent[0].payload, R"({"value":13.25})");
  sink.take();
  b.on_message("R/p1/battery/279/Dc", "", false, t0);
  drain();
  ASSERT_EQ(sink.sent.size(), 2u);  // /Dc/0/Current and /Dc/0/Voltage, not /DcX
  EXPECT_EQ(sink.sent[0].topic, "N/p1/battery/279/Dc/0/Current");
  EXPECT_EQ(sink.sent[1].topic, "N/p1/battery/279/Dc/0/Voltage");
  sink.take();
  b.on_message("R/p1/battery/1/Soc", "", false, t0);       // no such instance
  b.on_message("R/other/battery/279/Soc", "", false, t0);  // another portal
  b.on_message("R/p1/battery/279/Soc", "", true, t0);      // retained: stale
  drain();
  EXPECT_TRUE(sink.sent.empty());
}

// Anyone who may publish on the broker can send subtree reads faster than a slow link takes the
// answers: each used to queue a job for ever. The same subtree waiting answers a repeat, and
// beyond a bound the read is dropped and counted.
TEST_F(VenusBridgeTest, AFloodOfSubtreeReadsIsBounded) {
  auto& b = make();
  for (int i = 0; i < 10000; ++i) b.on_message("R/p1/battery/279/Dc", "", false, t0);
  for (int i = 0; i < 10000; ++i)
    b.on_message("R/p1/battery/279/Dc/" + std::to_string(i), "", false, t0);
  EXPECT_EQ(b.stats().reads_dropped, 10000u - 15u);  // one /Dc, then 15 others, then full
  drain();
  // /Dc answered once, not 10000 times, and /Dc/0 once (its two leaves each time).
  EXPECT_EQ(count_prefix("N/p1/battery/279/Dc/0/"), 4u);
  // Room again once the jobs are done.
  b.on_message("R/p1/battery/279/Dc", "", false, t0);
  drain();
  EXPECT_EQ(count_prefix("N/p1/battery/279/Dc/0/"), 6u);
}

TEST_F(VenusBridgeTest, LegacySerialReadIsAKeepaliveAndAnsweredWithoutASystemService) {
  auto& b = make();
  b.on_message("R/p1/system/0/Serial", "", false, t0);
  EXPECT_TRUE(b.alive());
  ASSERT_NE(sink.find("N/p1/system/0/Serial"), nullptr);
  EXPECT_EQ(sink.find("N/p1/system/0/Serial")->payload, R"({"value":"p1"})");
  EXPECT_TRUE(sink.find("N/p1/system/0/Serial")->retain);
  EXPECT_TRUE(b.has_work());  // and the full republish of a keep-alive
}

// Issue 12: the system service's structured paths go out as JSON inside {"value": ...}, as
// dbus-mqtt publishes a dict (json.dumps of the unwrapped D-Bus value) and a list of dicts.
TEST_F(VenusBridgeTest, SystemDictsAndListsArePublishedAsJsonValues) {
  auto& sys = model.add_service(test::spec("system", "", 0));
  using model::TreeDict;
  using model::TreeList;
  sys.add("/AvailableBatteryMeasurements", {},
          model::Value{*model::Tree::make(
              TreeDict{{"default", "Automatic"},
                       {"nobattery", "No battery monitor"},
                       {"com_victronenergy_battery_279/Dc/0", "SmartShunt on VE.Direct"}})});
  sys.add("/Batteries", {},
          model::Value{*model::Tree::make(TreeList{TreeDict{{"id", std::string(kBattery)},
                                                            {"instance", 279},
                                                            {"voltage", 13.25},
                                                            {"soc", 87.5},
                                                            {"active_battery_service", true}}})});
  model.flush();
  auto& b = make();
  b.on_message("R/p1/system/0/AvailableBatteryMeasurements", "", false, t0);
  b.on_message("R/p1/system/0/Batteries", "", false, t0);
  drain();
  const auto* m = sink.find("N/p1/system/0/AvailableBatteryMeasurements");
  ASSERT_TRUE(m);
  EXPECT_EQ(nlohmann::json::parse(m->payload),
            nlohmann::json::parse(R"({"value": {"default": "Automatic",
              "nobattery": "No battery monitor",
              "com_victronenergy_battery_279/Dc/0": "SmartShunt on VE.Direct"}})"));
  const auto* l = sink.find("N/p1/system/0/Batteries");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->payload,
            R"({"value":[{"active_battery_service":true,"id":"com.victronenergy.battery.ttyUSB0",)"
            R"("instance":279,"soc":87.5,"voltage":13.25}]})");
  // A change is one message with the whole new value.
  sink.take();
  b.on_message("R/p1/keepalive", R"({"keepalive-options":["suppress-republish"]})", false, t0);
  sink.take();
  sys.set("/Batteries", model::Value{*model::Tree::make(TreeList{})});
  model::Change c{&sys, nullptr, nullptr};
  const std::string path = "/Batteries";
  c.path = &path;
  c.item = sys.find(path);
  b.on_changes(std::span(&c, 1));
  drain();
  const auto* empty = sink.find("N/p1/system/0/Batteries");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->payload, R"({"value":[]})");
}

TEST_F(VenusBridgeTest, WritesAreRefusedWhileDisabled) {
  auto& b = make();
  b.on_message("W/p1/battery/279/Settings/Limit", R"({"value": 20})", false, t0);
  EXPECT_TRUE(written.empty());
  EXPECT_EQ(b.stats().writes_refused, 1u);
}

TEST_F(VenusBridgeTest, WritesGoToTheModelOnlyOnWritablePathsInRange) {
  options.writes = true;
  auto& b = make();
  std::vector<std::string> log;
  b.set_write_log([&](std::string_view, std::string_view why, bool) { log.emplace_back(why); });
  b.on_message("W/p1/battery/279/Settings/Limit", R"({"value": 20})", false, t0);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(std::get<double>(written[0]), 20.0);
  b.on_message("W/p1/battery/279/Settings/Limit", R"({"value": 51})", false, t0);
  b.on_message("W/p1/battery/279/Soc", R"({"value": 50})", false, t0);
  b.on_message("W/p1/battery/279/No/Such", R"({"value": 1})", false, t0);
  b.on_message("W/p1/battery/279/Settings/Limit", "20", false, t0);
  b.on_message("W/p1/battery/279/Settings/Limit", R"({"value": 20})", true, t0);  // retained
  EXPECT_EQ(written.size(), 1u);
  EXPECT_EQ(b.stats().writes_ok, 1u);
  EXPECT_EQ(b.stats().writes_refused, 4u);
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[1], "out of range");
  EXPECT_EQ(log[2], "not writable");  // the model's word, the same for every output
}

TEST_F(VenusBridgeTest, RemovedServiceGetsZeroBytePayloadsOnEveryTopic) {
  auto& b = make();
  const auto n = model.find(kBattery)->items().size();
  const model::Service& s = *model.find(kBattery);
  b.on_service_removed(s);
  ASSERT_EQ(sink.sent.size(), n);
  for (auto& m : sink.sent) {
    EXPECT_TRUE(m.payload.empty());
    EXPECT_FALSE(m.retain);
  }
  sink.take();
  b.on_message("R/p1/battery/279/Soc", "", false, t0);
  EXPECT_TRUE(sink.sent.empty());
}

TEST_F(VenusBridgeTest, ReconnectWhileAliveRepublishes) {
  auto& b = make();
  b.on_message("R/p1/keepalive", R"({"keepalive-options":["suppress-republish"]})", false, t0);
  sink.up = false;
  b.on_tick(t0 + seconds(3));  // heartbeat lost
  EXPECT_GT(b.stats().dropped, 0u);
  sink.up = true;
  sink.take();
  b.on_connected(t0 + seconds(10));
  EXPECT_TRUE(b.has_work());
  drain();
  EXPECT_EQ(count_prefix("N/p1/battery/279/"), model.find(kBattery)->items().size());
  // ...but not once the keep-alive has run out.
  sink.take();
  b.on_tick(t0 + seconds(61));
  b.on_connected(t0 + seconds(61));
  EXPECT_FALSE(b.has_work());
}

TEST_F(VenusBridgeTest, ANewDeviceInstanceMovesTheTopics) {
  auto& b = make();
  b.on_message("R/p1/keepalive", R"({"keepalive-options":["suppress-republish"]})", false, t0);
  sink.take();
  auto* s = model.find(kBattery);
  s->set("/DeviceInstance", std::int64_t{280});
  const std::string path = "/DeviceInstance";
  model::Change c{s, &path, s->find(path)};
  b.on_changes(std::span(&c, 1));
  drain();
  const auto n = s->items().size();
  std::size_t emptied = 0;
  for (auto& m : sink.sent)
    emptied += m.topic.starts_with("N/p1/battery/279/") && m.payload.empty();
  EXPECT_EQ(emptied, n);
  EXPECT_EQ(count_prefix("N/p1/battery/280/"), n + 1);  // the service, and the change itself
  sink.take();
  b.on_message("R/p1/battery/280/Soc", "", false, t0);
  EXPECT_EQ(sink.sent.size(), 1u);
}

TEST_F(VenusBridgeTest, NewServiceWhileAliveIsPublished) {
  auto& b = make();
  b.on_message("R/p1/keepalive", R"({"keepalive-options":["suppress-republish"]})", false, t0);
  sink.take();
  auto& s = model.add_service(test::spec("tank", "t", 20));
  s.add("/Level", {}, 50.0);
  b.on_service_added(s);
  drain();
  EXPECT_EQ(count_prefix("N/p1/tank/20/"), s.items().size());
}

}  // namespace
}  // namespace gxlink::publishers::mqtt
