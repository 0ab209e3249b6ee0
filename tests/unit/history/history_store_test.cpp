// SPDX-License-Identifier: MIT
// The history store (src/publishers/history/history_store): what a user gets back after days of
// samples — downsampling, retention, the resolution picked for a range, a restart, and exports.
#include "publishers/history/history_store.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>

namespace gxlink::publishers::history {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kT0 = 1'765'000'800;  // 2025-12-06T06:00:00Z, a multiple of 900
constexpr std::int64_t kDay = 86400;

class HistoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gxlink-history-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// One sample every `every` seconds in [from, to) with value f(t).
  static void fill(HistoryStore& s, std::int64_t series, std::int64_t from, std::int64_t to,
                   std::int64_t every, const std::function<double(std::int64_t)>& f) {
    std::vector<Sample> batch;
    for (std::int64_t t = from; t < to; t += every) {
      batch.push_back({series, t, f(t)});
      if (batch.size() == 5000) {
        ASSERT_TRUE(s.append(batch));
        batch.clear();
      }
    }
    ASSERT_TRUE(s.append(batch));
  }
  static void maintain_all(HistoryStore& s, std::int64_t now) {
    for (int i = 0; i < 1000; ++i) {
      auto more = s.maintain(now);
      ASSERT_TRUE(more) << more.error().message();
      if (!*more) return;
    }
    FAIL() << "maintain never caught up";
  }
  fs::path dir_;
};

TEST_F(HistoryStoreTest, RawPointsComeBackAsStoredWithGapsAsNull) {
  auto s = HistoryStore::open_memory();
  ASSERT_TRUE(s);
  const auto id = *s->series_id("com.victronenergy.battery.ttyUSB1", "/Dc/0/Voltage");
  const Sample samples[] = {{id, kT0, 12.5}, {id, kT0 + 10, std::nullopt}, {id, kT0 + 20, 12.75}};
  ASSERT_TRUE(s->append(samples));
  auto r = s->query(id, kT0, kT0 + 60, 100, kT0 + 60);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->resolution, Resolution::kRaw);
  ASSERT_EQ(r->points.size(), 3u);
  EXPECT_EQ(r->points[0].t, kT0);
  EXPECT_DOUBLE_EQ(*r->points[0].value, 12.5);
  EXPECT_FALSE(r->points[1].value.has_value());
  EXPECT_DOUBLE_EQ(*r->points[2].value, 12.75);
  // [from, to): the end is exclusive.
  EXPECT_EQ(s->query(id, kT0, kT0 + 20, 100, kT0 + 60)->points.size(), 2u);
  EXPECT_TRUE(s->query(id, kT0 + 30, kT0 + 20, 100, kT0 + 60)->points.empty());
}

TEST_F(HistoryStoreTest, SeriesIdsAreStableAndListedPerService) {
  auto s = HistoryStore::open_memory();
  const auto a = *s->series_id("com.victronenergy.system", "/Dc/Battery/Soc");
  const auto b = *s->series_id("com.victronenergy.battery.x", "/Soc");
  EXPECT_NE(a, b);
  EXPECT_EQ(*s->series_id("com.victronenergy.system", "/Dc/Battery/Soc"), a);
  EXPECT_EQ(s->find_series("com.victronenergy.battery.x", "/Soc"), b);
  EXPECT_FALSE(s->find_series("com.victronenergy.battery.x", "/Nope"));
  EXPECT_EQ(s->series().size(), 2u);
  ASSERT_EQ(s->series("com.victronenergy.system").size(), 1u);
  EXPECT_EQ(s->series("com.victronenergy.system")[0].path, "/Dc/Battery/Soc");
}

TEST_F(HistoryStoreTest, MinuteAndQuarterAggregatesHoldMinAvgMax) {
  auto s = HistoryStore::open_memory();
  const auto id = *s->series_id("com.victronenergy.system", "/Dc/Pv/Power");
  // One sample every 10 s for an hour: value = seconds into the minute (0, 10, ... 50).
  fill(*s, id, kT0, kT0 + 3600, 10, [](std::int64_t t) { return static_cast<double>(t % 60); });
  maintain_all(*s, kT0 + 3600 + 120);
  auto cursor = s->export_rows(kT0, kT0 + 3600, Resolution::kMinute, std::nullopt);
  ASSERT_TRUE(cursor);
  std::vector<ExportRow> rows;
  std::vector<std::string> names;
  ASSERT_TRUE(cursor->next(1000, [&](const ExportRow& r) {
    rows.push_back(r);
    names.emplace_back(r.path);
  }));
  ASSERT_EQ(rows.size(), 60u);
  EXPECT_EQ(rows[0].t, kT0);
  EXPECT_DOUBLE_EQ(*rows[0].min, 0);
  EXPECT_DOUBLE_EQ(*rows[0].value, 25);  // (0+10+20+30+40+50)/6
  EXPECT_DOUBLE_EQ(*rows[0].max, 50);
  EXPECT_EQ(names[0], "/Dc/Pv/Power");

  auto quarter = s->export_rows(kT0, kT0 + 3600, Resolution::kQuarter, std::nullopt);
  std::vector<ExportRow> q;
  ASSERT_TRUE(quarter->next(1000, [&](const ExportRow& r) { q.push_back(r); }));
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[1].t, kT0 + 900);
  EXPECT_DOUBLE_EQ(*q[1].value, 25);
}

TEST_F(HistoryStoreTest, ABucketOfOnlyInvalidSamplesStaysAGap) {
  auto s = HistoryStore::open_memory();
  const auto id = *s->series_id("com.victronenergy.battery.x", "/Soc");
  const Sample samples[] = {{id, kT0, 50.0}, {id, kT0 + 60, std::nullopt}, {id, kT0 + 120, 51.0}};
  ASSERT_TRUE(s->append(samples));
  maintain_all(*s, kT0 + 600);
  auto cursor = s->export_rows(kT0, kT0 + 180, Resolution::kMinute, std::nullopt);
  std::vector<ExportRow> rows;
  ASSERT_TRUE(cursor->next(10, [&](const ExportRow& r) { rows.push_back(r); }));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_FALSE(rows[1].value.has_value());
  EXPECT_DOUBLE_EQ(*rows[2].value, 51.0);
}

TEST_F(HistoryStoreTest, LongRangesAreReadFromAggregatesWithinTheCap) {
  auto s =
      HistoryStore::open_memory(Retention{.raw_days = 2, .minute_days = 14, .quarter_days = 366});
  const auto id = *s->series_id("com.victronenergy.system", "/Dc/Battery/Soc");
  const std::int64_t now = kT0 + 2 * kDay;
  fill(*s, id, kT0, now, 30, [](std::int64_t t) { return static_cast<double>((t / 60) % 100); });
  maintain_all(*s, now);

  // An hour at 1000 points: raw (120 samples).
  auto hour = s->query(id, now - 3600, now, 1000, now);
  EXPECT_EQ(hour->resolution, Resolution::kRaw);
  EXPECT_EQ(hour->points.size(), 120u);
  // A day at 1000 points: 86.4 s per point → per-minute aggregates (1440), averaged into
  // 120 s buckets to stay within the cap.
  auto day = s->query(id, now - kDay, now, 1000, now);
  EXPECT_EQ(day->resolution, Resolution::kMinute);
  EXPECT_EQ(day->bucket_s, 120);
  EXPECT_LE(day->points.size(), 1000u);
  EXPECT_GE(day->points.size(), 700u);
  // The part after the aggregation watermark comes from raw rows: the range ends near now.
  EXPECT_GE(day->points.back().t, now - 300);
  // A week: still minutes (kept 14 days), in 660 s buckets.
  auto week = s->query(id, now - 7 * kDay, now, 1000, now);
  EXPECT_EQ(week->resolution, Resolution::kMinute);
  EXPECT_EQ(week->bucket_s, 660);
  EXPECT_LE(week->points.size(), 1000u);
  // Twenty days: quarter hours.
  auto month = s->query(id, now - 20 * kDay, now, 1000, now);
  EXPECT_EQ(month->resolution, Resolution::kQuarter);
  EXPECT_LE(month->points.size(), 1000u);
  EXPECT_FALSE(month->points.empty());
  // A tiny cap still holds.
  EXPECT_LE(s->query(id, now - kDay, now, 5, now)->points.size(), 6u);
}

TEST_F(HistoryStoreTest, RawRowsAreAveragedWhenTooManyForTheCap) {
  auto s = HistoryStore::open_memory();
  const auto id = *s->series_id("com.victronenergy.system", "/Dc/Battery/Power");
  fill(*s, id, kT0, kT0 + 1000, 1, [](std::int64_t t) { return static_cast<double>(t % 2); });
  auto r = s->query(id, kT0, kT0 + 1000, 100, kT0 + 1000);
  EXPECT_EQ(r->resolution, Resolution::kRaw);
  EXPECT_EQ(r->bucket_s, 10);
  ASSERT_EQ(r->points.size(), 100u);
  EXPECT_DOUBLE_EQ(*r->points[3].value, 0.5);
  auto mx = s->query(id, kT0, kT0 + 1000, 100, kT0 + 1000, Statistic::kMax);
  EXPECT_DOUBLE_EQ(*mx->points[3].value, 1);
}

TEST_F(HistoryStoreTest, RetentionDropsOldRowsPerResolution) {
  auto s = HistoryStore::open_memory(Retention{.raw_days = 1, .minute_days = 2, .quarter_days = 3});
  const auto id = *s->series_id("com.victronenergy.system", "/Dc/Battery/Soc");
  fill(*s, id, kT0, kT0 + 4 * kDay, 300, [](std::int64_t) { return 1.0; });
  const std::int64_t now = kT0 + 4 * kDay;
  // As the daemon does: a pass every so often while the days go by.
  for (std::int64_t t = kT0 + 600; t <= now; t += 3600) maintain_all(*s, t);
  maintain_all(*s, now);
  EXPECT_EQ(*s->oldest(Resolution::kRaw), now - kDay);
  EXPECT_GE(*s->oldest(Resolution::kMinute), now - 2 * kDay);
  EXPECT_LT(*s->oldest(Resolution::kMinute), now - 2 * kDay + 300);
  EXPECT_GE(*s->oldest(Resolution::kQuarter), now - 3 * kDay);
  EXPECT_GT(s->stats().rows_expired, 0u);
  // Older than every retention: nothing at any resolution.
  EXPECT_TRUE(s->query(id, kT0, kT0 + 3600, 100, now)->points.empty());
  // The export picks what reaches back furthest.
  EXPECT_EQ(s->export_resolution(now - 3600), Resolution::kRaw);
  EXPECT_EQ(s->export_resolution(now - kDay - 3600), Resolution::kMinute);
  EXPECT_EQ(s->export_resolution(kT0), Resolution::kQuarter);
}

TEST_F(HistoryStoreTest, ABacklogIsAggregatedInBoundedSteps) {
  // A daemon stopped for half a day: the next passes catch up a few hours at a time.
  auto s = HistoryStore::open_memory();
  const auto id = *s->series_id("com.victronenergy.system", "/Dc/Battery/Soc");
  ASSERT_TRUE(s->maintain(kT0));  // the watermark starts here
  fill(*s, id, kT0, kT0 + kDay / 2, 60, [](std::int64_t) { return 2.0; });
  const std::int64_t later = kT0 + kDay / 2 + 120;
  int passes = 0;
  for (;;) {
    auto more = s->maintain(later, 30, 60);  // an hour of minute buckets per pass
    ASSERT_TRUE(more);
    ++passes;
    if (!*more) break;
  }
  EXPECT_GE(passes, 12);
  EXPECT_EQ(*s->count_rows(kT0, kT0 + kDay / 2, Resolution::kMinute, std::nullopt), 720);
  EXPECT_EQ(*s->count_rows(kT0, kT0 + kDay / 2, Resolution::kQuarter, std::nullopt), 48);
}

TEST_F(HistoryStoreTest, HistorySurvivesReopeningTheFile) {
  const auto file = dir_ / "history.sqlite";
  std::int64_t id = 0;
  {
    auto s = HistoryStore::open(file);
    ASSERT_TRUE(s) << s.error().message();
    id = *s->series_id("com.victronenergy.vebus.ttyUSB2", "/Ac/Out/L1/P");
    fill(*s, id, kT0, kT0 + 600, 10, [](std::int64_t t) { return static_cast<double>(t - kT0); });
    maintain_all(*s, kT0 + 900);
  }
  {
    // A series with no row left (a device long gone; here one that never got a sample) goes at
    // the next open; it used to stay in the file and the id map for ever.
    auto s = HistoryStore::open(file);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->series_id("com.victronenergy.battery.gone", "/Soc"));
  }
  auto s = HistoryStore::open(file);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_FALSE(s->find_series("com.victronenergy.battery.gone", "/Soc"));
  EXPECT_EQ(s->find_series("com.victronenergy.vebus.ttyUSB2", "/Ac/Out/L1/P"), id);
  auto r = s->query(id, kT0, kT0 + 600, 1000, kT0 + 900);
  ASSERT_EQ(r->points.size(), 60u);
  EXPECT_DOUBLE_EQ(*r->points[59].value, 590);
  EXPECT_GT(s->disk_bytes(), 0);
  // Read-only, as `gxlink export` opens it: same rows, no writes.
  auto ro = HistoryStore::open_existing(file);
  ASSERT_TRUE(ro) << ro.error().message();
  EXPECT_EQ(*ro->count_rows(kT0, kT0 + 600, Resolution::kRaw, std::nullopt), 60);
  EXPECT_FALSE(ro->append(std::vector<Sample>{{id, kT0 + 700, 1.0}}));
}

TEST_F(HistoryStoreTest, OpeningSomethingElseFailsWithTheFileName) {
  EXPECT_FALSE(HistoryStore::open_existing(dir_ / "missing.sqlite"));
  const auto junk = dir_ / "junk.sqlite";
  { std::ofstream(junk) << "this is not a database, just text long enough to look like a header."; }
  auto s = HistoryStore::open(junk);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("junk.sqlite"), std::string::npos) << s.error().detail;
}

TEST_F(HistoryStoreTest, ExportIsOrderedByServicePathTimeAndFiltersByService) {
  auto s = HistoryStore::open_memory();
  const auto b = *s->series_id("com.victronenergy.system", "/Dc/Battery/Soc");
  const auto a = *s->series_id("com.victronenergy.battery.x", "/Soc");
  const Sample samples[] = {
      {b, kT0 + 5, 1.0}, {a, kT0 + 7, 2.0}, {a, kT0 + 1, 3.0}, {b, kT0 + 2, 4.0}};
  ASSERT_TRUE(s->append(samples));
  auto all = s->export_rows(kT0, kT0 + 10, Resolution::kRaw, std::nullopt);
  std::vector<std::pair<std::string, std::int64_t>> seen;
  while (
      *all->next(1, [&](const ExportRow& r) { seen.emplace_back(std::string(r.service), r.t); })) {
  }
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0],
            (std::pair<std::string, std::int64_t>{"com.victronenergy.battery.x", kT0 + 1}));
  EXPECT_EQ(seen[1].second, kT0 + 7);
  EXPECT_EQ(seen[2], (std::pair<std::string, std::int64_t>{"com.victronenergy.system", kT0 + 2}));
  auto one = s->export_rows(kT0, kT0 + 10, Resolution::kRaw, "com.victronenergy.system");
  std::size_t n = 0;
  ASSERT_TRUE(one->next(100, [&](const ExportRow& r) {
    EXPECT_EQ(r.service, "com.victronenergy.system");
    ++n;
  }));
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(*s->count_rows(kT0, kT0 + 10, Resolution::kRaw, "com.victronenergy.system"), 2);
}

}  // namespace
}  // namespace gxlink::publishers::history
