// SPDX-License-Identifier: MIT
// The store-and-forward queue (issue 18): bounded, thinned oldest-first when full, never refusing
// new samples, and surviving a reopen.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>

#include "publishers/upstream/sample_queue.hpp"

namespace gxlink::publishers::upstream {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "gxlink-queue-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<StoredSample> read_all(SampleQueue& q) {
  auto r = q.read(0, q.last_id(), 10'000'000);
  EXPECT_TRUE(r.has_value());
  return r ? *r : std::vector<StoredSample>{};
}

// Keys of devices long gone (an instance that keeps changing) grew the series table and maps
// for ever: series without queued samples are now collected, at reopen and as the maps grow.
TEST(SampleQueue, SeriesWithoutQueuedSamplesAreCollected) {
  TempDir dir;
  const auto file = dir.path() / "q.sqlite";
  {
    auto q = SampleQueue::open(file, {});
    ASSERT_TRUE(q.has_value());
    std::int64_t kept = 0;
    for (int i = 0; i < 5000; ++i) {
      auto id = q->series_id({"battery", i, "/Soc"});
      ASSERT_TRUE(id);
      std::vector<NewSample> one{{*id, 1000 + i, "80"}};
      ASSERT_TRUE(q->append(one));
      if (i == 0) {
        kept = *id;
        continue;
      }
      auto rows = read_all(*q);
      std::vector<std::int64_t> sent;
      for (const auto& r : rows)
        if (r.series != kept) sent.push_back(r.id);
      ASSERT_TRUE(q->remove(sent));  // delivered: nothing refers to that series any more
    }
    auto st = q->database().prepare("SELECT count(*) FROM series");
    ASSERT_TRUE(st);
    auto row = st->step();
    ASSERT_TRUE(row && *row);
    EXPECT_LT(st->column_int64(0), 4096);  // collected once the maps reached 4096
    EXPECT_NE(q->series(kept), nullptr);   // still queued: kept
    EXPECT_EQ(q->series(kept)->instance, 0);
  }
  auto q = SampleQueue::open(file, {});
  ASSERT_TRUE(q.has_value());
  auto st = q->database().prepare("SELECT count(*) FROM series");
  ASSERT_TRUE(st);
  auto row = st->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(st->column_int64(0), 1);  // at reopen only the one with a queued sample is left
  auto rows = read_all(*q);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_NE(q->series(rows[0].series), nullptr);
  EXPECT_EQ(q->series(rows[0].series)->path, "/Soc");
}

TEST(SampleQueue, AppendReadRemoveInOrder) {
  auto q = SampleQueue::open({}, {});
  ASSERT_TRUE(q.has_value());
  auto a = q->series_id({"battery", 512, "/Dc/0/Voltage"});
  auto b = q->series_id({"battery", 512, "/Soc"});
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(*q->series_id({"battery", 512, "/Dc/0/Voltage"}), *a);
  std::vector<NewSample> in{{*a, 1000, "26.5"}, {*b, 1000, "80"}, {*a, 2000, "26.6"}};
  ASSERT_TRUE(q->append(in));
  EXPECT_EQ(q->rows(), 3);
  auto all = read_all(*q);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].value_json, "26.5");
  EXPECT_EQ(all[2].t_ms, 2000);
  EXPECT_LT(all[0].id, all[1].id);
  EXPECT_EQ(q->series(all[1].series)->path, "/Soc");
  // Only the window asked for.
  auto mid = q->read(all[0].id, all[1].id, 10);
  ASSERT_TRUE(mid);
  ASSERT_EQ(mid->size(), 1u);
  EXPECT_EQ((*mid)[0].id, all[1].id);
  const std::vector<std::int64_t> gone{all[0].id, all[2].id, 999999};
  ASSERT_TRUE(q->remove(gone));
  EXPECT_EQ(q->rows(), 1);
  EXPECT_EQ(q->bytes(), SampleQueue::kRowOverhead + 2);
}

TEST(SampleQueue, SurvivesReopenWithIdsThatNeverGoBack) {
  TempDir dir;
  const auto file = dir.path() / "q.sqlite";
  std::int64_t last = 0;
  {
    auto q = SampleQueue::open(file, {});
    ASSERT_TRUE(q);
    auto s = q->series_id({"solarcharger", 279, "/Yield/Power"});
    ASSERT_TRUE(s);
    std::vector<NewSample> in{{*s, 1, "100"}, {*s, 2, "110"}, {*s, 3, "null"}};
    ASSERT_TRUE(q->append(in));
    auto all = read_all(*q);
    const std::vector<std::int64_t> first{all[0].id};
    ASSERT_TRUE(q->remove(first));
    last = q->last_id();
  }
  auto q = SampleQueue::open(file, {});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->rows(), 2);
  EXPECT_EQ(q->last_id(), last);
  auto all = read_all(*q);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].t_ms, 2);
  EXPECT_EQ(all[1].value_json, "null");
  EXPECT_EQ(q->series(all[0].series)->type, "solarcharger");
  EXPECT_EQ(q->series(all[0].series)->instance, 279);
  // Emptied and reopened: new ids still follow the old ones, so no sender cursor goes stale.
  std::vector<std::int64_t> ids{all[0].id, all[1].id};
  ASSERT_TRUE(q->remove(ids));
  auto q2 = SampleQueue::open(file, {});
  ASSERT_TRUE(q2);
  std::vector<NewSample> more{{all[0].series, 4, "1"}};
  ASSERT_TRUE(q2->append(more));
  EXPECT_GT(read_all(*q2).front().id, last);
}

// A full queue: the oldest hour is thinned to every other sample per series; the newest samples
// are all kept; the counts say what happened.
TEST(SampleQueue, FullQueueThinsTheOldestHourFirst) {
  QueueLimits limits{.max_rows = 1000, .max_bytes = 1 << 30};
  auto q = SampleQueue::open({}, limits);
  ASSERT_TRUE(q);
  auto v = *q->series_id({"battery", 0, "/Dc/0/Voltage"});
  auto c = *q->series_id({"battery", 0, "/Dc/0/Current"});
  // 500 s apart per pair: 1000 rows span about 69 hours, 7.2 pairs per hour.
  std::vector<NewSample> in;
  for (int i = 0; i < 500; ++i) {
    in.push_back({v, i * 500'000LL, std::to_string(i)});
    in.push_back({c, i * 500'000LL, std::to_string(-i)});
  }
  ASSERT_TRUE(q->append(in));
  EXPECT_EQ(q->rows(), 1000);
  EXPECT_EQ(q->thinned(), 0u);
  // One more sample goes over the bound.
  std::vector<NewSample> last{{v, 500 * 500'000LL, "500"}};
  ASSERT_TRUE(q->append(last));
  EXPECT_LE(q->rows(), 900);
  EXPECT_GT(q->thinned(), 0u);
  EXPECT_EQ(q->thinned() + q->dropped_oldest(), 1001u - static_cast<std::uint64_t>(q->rows()));
  EXPECT_EQ(q->dropped_oldest(), 0u);
  auto all = read_all(*q);
  // The newest sample is there, and so is every sample of the newest half.
  EXPECT_EQ(all.back().value_json, "500");
  std::map<std::int64_t, std::vector<std::int64_t>> by_series;
  for (const auto& s : all) by_series[s.series].push_back(s.t_ms);
  for (auto& [series, times] : by_series) {
    // Still in time order; the first (oldest) sample of each series is kept by the thinning.
    EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
    EXPECT_EQ(times.front(), 0);
    // Gaps: thinned (1000 s or more) at the start, the original 500 s at the end.
    EXPECT_GE(times[1] - times[0], 1'000'000);
    EXPECT_EQ(times.back() - times[times.size() - 2], 500'000);
  }
  EXPECT_EQ(by_series[v].back(), 500 * 500'000LL);
  EXPECT_EQ(by_series[c].back(), 499 * 500'000LL);
}

TEST(SampleQueue, ByteBoundThinsToo) {
  QueueLimits limits{.max_rows = 1'000'000, .max_bytes = 100 * (SampleQueue::kRowOverhead + 10)};
  auto q = SampleQueue::open({}, limits);
  ASSERT_TRUE(q);
  auto s = *q->series_id({"grid", 30, "/Ac/Power"});
  std::vector<NewSample> in;
  for (int i = 0; i < 150; ++i) in.push_back({s, i * 1000LL, "1234567890"});
  ASSERT_TRUE(q->append(in));
  EXPECT_LE(q->bytes(), 90 * (SampleQueue::kRowOverhead + 10));
  EXPECT_EQ(q->thinned(), 150u - static_cast<std::uint64_t>(q->rows()));
  EXPECT_EQ(read_all(*q).back().t_ms, 149'000);
}

// Nothing left to thin (one sample per series): the oldest rows go, counted, and the new ones stay.
TEST(SampleQueue, WhenNothingCanBeThinnedTheOldestAreDropped) {
  QueueLimits limits{.max_rows = 1000, .max_bytes = 1 << 30};
  auto q = SampleQueue::open({}, limits);
  ASSERT_TRUE(q);
  std::vector<NewSample> in;
  for (int i = 0; i < 1001; ++i) {
    auto s = *q->series_id({"tank", i, "/Level"});
    in.push_back({s, i * 1000LL, "50"});
  }
  ASSERT_TRUE(q->append(in));
  EXPECT_EQ(q->thinned(), 0u);
  EXPECT_GT(q->dropped_oldest(), 0u);
  EXPECT_LE(q->rows(), 900);
  auto all = read_all(*q);
  EXPECT_EQ(q->series(all.back().series)->instance, 1000);
  EXPECT_EQ(q->series(all.front().series)->instance,
            static_cast<std::int64_t>(q->dropped_oldest()));
}

}  // namespace
}  // namespace gxlink::publishers::upstream
