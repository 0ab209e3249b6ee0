// SPDX-License-Identifier: MIT
// The recorder on a real model with a fake wall clock: what gets stored (change, interval,
// deadband, heartbeat, gaps), and that it comes back after a restart.
#include "publishers/history/history_recorder.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

namespace gxlink::publishers::history {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kT0 = 1'765'000'800;
constexpr const char* kBattery = "com.victronenergy.battery.ttyUSB1";

struct Rig {
  explicit Rig(RecorderOptions o = {}) {
    o.now_unix = [this] { return now; };
    recorder = std::make_unique<HistoryRecorder>(publishers::PublisherContext{io, model}, o);
  }
  model::Service& battery() {
    model::ServiceSpec spec;
    spec.type = "battery";
    spec.connection = "ttyUSB1";
    spec.device_instance = 289;
    return model.add_service(spec);
  }
  /// Starts the recorder and lets the loop open its store.
  void start() {
    recorder->start();
    io.poll();
  }
  /// Advances the fake clock one second at a time, ticking like the daemon's timer.
  void run_for(std::int64_t seconds) {
    for (std::int64_t i = 0; i < seconds; ++i) {
      ++now;
      recorder->tick();
    }
  }
  std::vector<Point> points(const char* service, const char* path) {
    recorder->commit();
    auto* store = recorder->store();
    const auto id = store->find_series(service, path);
    if (!id) return {};
    return store->query(*id, kT0 - 10, now + 10, 10000, now)->points;
  }
  std::int64_t now = kT0;
  asio::io_context io;
  model::Model model;
  std::unique_ptr<HistoryRecorder> recorder;
};

TEST(HistoryRecorder, StoresAChangeAtMostOncePerIntervalAndNeverLosesTheLastOne) {
  Rig rig;
  auto& b = rig.battery();
  b.set("/Dc/0/Voltage", 26.5);
  rig.model.flush();
  rig.start();
  rig.run_for(1);                 // the first value is stored at once
  for (int i = 1; i <= 5; ++i) {  // five changes within one interval (10 s)
    b.set("/Dc/0/Voltage", 26.5 + i * 0.1);
    rig.model.flush();
    rig.run_for(1);
  }
  rig.run_for(10);
  const auto p = rig.points(kBattery, "/Dc/0/Voltage");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_DOUBLE_EQ(*p[0].value, 26.5);
  EXPECT_DOUBLE_EQ(*p[1].value, 27.0);  // the burst's last value
  EXPECT_GE(p[1].t - p[0].t, 10);
}

TEST(HistoryRecorder, ChangesWithinTheDeadbandAreNotStored) {
  Rig rig;
  auto& b = rig.battery();
  b.set("/Dc/0/Voltage", 26.50);
  rig.model.flush();
  rig.start();
  rig.run_for(1);
  b.set("/Dc/0/Voltage", 26.505);  // deadband of /Dc/0/Voltage is 0.01 V
  rig.model.flush();
  rig.run_for(30);
  EXPECT_EQ(rig.points(kBattery, "/Dc/0/Voltage").size(), 1u);
  b.set("/Dc/0/Voltage", 26.52);
  rig.model.flush();
  rig.run_for(30);
  EXPECT_EQ(rig.points(kBattery, "/Dc/0/Voltage").size(), 2u);
}

TEST(HistoryRecorder, InvalidIsStoredAsAGapAndOtherPathsAreNotRecorded) {
  Rig rig;
  auto& b = rig.battery();
  b.set("/Soc", 80.0);
  b.set("/ProductName", std::string("SmartShunt"));
  rig.model.flush();
  rig.start();
  rig.run_for(11);
  b.set("/Soc", model::Invalid{});
  rig.model.flush();
  rig.run_for(11);
  const auto p = rig.points(kBattery, "/Soc");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_FALSE(p[1].value.has_value());
  EXPECT_FALSE(rig.recorder->store()->find_series(kBattery, "/ProductName"));
  EXPECT_FALSE(rig.recorder->store()->find_series(kBattery, "/DeviceInstance"));
}

TEST(HistoryRecorder, ASteadyValueIsRepeatedAtTheHeartbeat) {
  RecorderOptions o;
  o.heartbeat = std::chrono::seconds(60);
  Rig rig(o);
  rig.battery().set("/Soc", 55.0);
  rig.model.flush();
  rig.start();
  rig.run_for(185);
  EXPECT_EQ(rig.points(kBattery, "/Soc").size(), 4u);  // t=1, 61, 121, 181
}

TEST(HistoryRecorder, ConfiguredRulesReplaceTheDefaults) {
  RecorderOptions o;
  o.rules = {*parse_path_rule("battery:/ProductId")};
  Rig rig(o);
  auto& b = rig.battery();
  b.set("/Soc", 80.0);
  b.set("/ProductId", std::int64_t{0xA389});
  rig.model.flush();
  rig.start();
  rig.run_for(2);
  EXPECT_EQ(rig.points(kBattery, "/ProductId").size(), 1u);
  EXPECT_TRUE(rig.points(kBattery, "/Soc").empty());
}

TEST(HistoryRecorder, MaxSeriesBoundsWhatIsRecorded) {
  RecorderOptions o;
  o.max_series = 1;
  Rig rig(o);
  auto& b = rig.battery();
  b.set("/Soc", 80.0);
  b.set("/Dc/0/Voltage", 26.0);
  rig.model.flush();
  rig.start();
  rig.run_for(2);
  EXPECT_EQ(rig.recorder->stats().series, 1u);
  EXPECT_GE(rig.recorder->stats().series_refused, 1u);
}

TEST(HistoryRecorder, AServiceThatComesBackContinuesItsSeriesAfterAGap) {
  Rig rig;
  rig.battery().set("/Soc", 60.0);
  rig.model.flush();
  rig.start();
  rig.run_for(2);
  for (int round = 0; round < 3; ++round) {
    rig.model.remove_service(kBattery);
    rig.run_for(11);
    rig.battery().set("/Soc", 61.0 + round);
    rig.model.flush();
    rig.run_for(11);
  }
  EXPECT_EQ(rig.recorder->stats().series, 1u);  // not one more track per return
  const auto p = rig.points(kBattery, "/Soc");
  ASSERT_EQ(p.size(), 7u);  // 60, then (gap, value) three times
  EXPECT_FALSE(p[1].value.has_value());
  EXPECT_DOUBLE_EQ(*p[6].value, 63.0);
}

TEST(HistoryRecorder, AClockThatGoesBackDoesNotStopRecording) {
  Rig rig;
  auto& b = rig.battery();
  b.set("/Soc", 60.0);
  rig.model.flush();
  rig.start();
  rig.run_for(2);
  rig.now -= 86400;  // NTP sets a clock that ran a day ahead
  b.set("/Soc", 65.0);
  rig.model.flush();
  rig.run_for(2);
  rig.recorder->commit();
  const auto id = *rig.recorder->store()->find_series(kBattery, "/Soc");
  const auto p = rig.recorder->store()->query(id, rig.now - 10, rig.now + 10, 100, rig.now)->points;
  ASSERT_EQ(p.size(), 1u);
  EXPECT_DOUBLE_EQ(*p[0].value, 65.0);
}

TEST(HistoryRecorder, HistoryIsStillThereAfterARestart) {
  const auto dir = fs::temp_directory_path() / ("gxlink-recorder-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  RecorderOptions o;
  o.file = dir / "history.sqlite";
  std::int64_t now = kT0;
  {
    Rig rig(o);
    rig.battery().set("/Soc", 70.0);
    rig.model.flush();
    rig.start();
    rig.run_for(3);
    rig.recorder->stop();  // writes what is buffered
    now = rig.now;
  }
  Rig rig(o);
  rig.now = now + 100;
  rig.start();
  const auto p = rig.points(kBattery, "/Soc");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_DOUBLE_EQ(*p[0].value, 70.0);
  fs::remove_all(dir);
}

TEST(HistoryRecorder, AFileThatCannotBeOpenedLeavesHistoryOffWithoutThrowing) {
  RecorderOptions o;
  o.file = "/proc/gxlink-no-such-dir/history.sqlite";
  Rig rig(o);
  rig.battery().set("/Soc", 70.0);
  rig.model.flush();
  EXPECT_NO_THROW(rig.start());
  EXPECT_EQ(rig.recorder->store(), nullptr);
  EXPECT_NO_THROW(rig.run_for(2));
}

}  // namespace
}  // namespace gxlink::publishers::history
