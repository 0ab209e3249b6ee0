// SPDX-License-Identifier: MIT
// The history store (issue 15 benchmarks): samples written per second in the recorder's batches,
// the per-minute maintenance pass, a day's query at 1000 points, and bytes per stored row.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "publishers/history/history_store.hpp"

namespace {

using namespace gxlink::publishers::history;
namespace fs = std::filesystem;
constexpr std::int64_t kT0 = 1'765'000'800;

fs::path fresh_file(const char* name) {
  const auto dir = fs::temp_directory_path() / ("gxlink-histbench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto f = dir / name;
  for (const char* s : {"", "-wal", "-shm"}) fs::remove(f.string() + s);
  return f;
}

/// `series` series with one sample each per 10 s (the default interval), committed in batches of
/// `batch` samples as the recorder does every 5 s.
void BM_AppendBatches(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  auto s = *HistoryStore::open(fresh_file("append.sqlite"));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 150; ++i)
    ids.push_back(*s.series_id("com.victronenergy.battery.x", "/P" + std::to_string(i)));
  std::vector<Sample> samples(batch);
  std::int64_t t = kT0;
  std::size_t k = 0;
  for (auto _ : state) {
    for (auto& x : samples) {
      x = {ids[k % ids.size()], t, 12.0 + static_cast<double>(k % 97) * 0.01};
      if (++k % ids.size() == 0) t += 10;
    }
    if (!s.append(samples)) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  state.counters["bytes_per_row"] = static_cast<double>(s.disk_bytes()) / static_cast<double>(k);
}
BENCHMARK(BM_AppendBatches)->Arg(1)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

/// Fills `series` series with `days` of samples every `every` s, aggregated as the daemon would.
HistoryStore filled(const char* name, int series, std::int64_t days, std::int64_t every) {
  auto s = *HistoryStore::open(fresh_file(name));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < series; ++i)
    ids.push_back(*s.series_id("com.victronenergy.system", "/Path" + std::to_string(i)));
  std::vector<Sample> batch;
  const std::int64_t end = kT0 + days * 86400;
  for (std::int64_t t = kT0; t < end; t += every) {
    for (auto id : ids) batch.push_back({id, t, std::sin(static_cast<double>(t) / 3000.0) * 100});
    if (batch.size() >= 20000 || t % 3600 == 0) {  // written before the hour's maintenance
      (void)s.append(batch);
      batch.clear();
    }
    if (t % 3600 == 0)
      while (*s.maintain(t, 30, 10000)) {
      }
  }
  (void)s.append(batch);
  while (*s.maintain(end, 30, 10000)) {
  }
  return s;
}

void BM_QueryDayAt1000Points(benchmark::State& state) {
  static auto s = filled("query.sqlite", 20, 2, 10);
  const std::int64_t now = kT0 + 2 * 86400;
  const auto id = *s.find_series("com.victronenergy.system", "/Path3");
  std::size_t points = 0;
  for (auto _ : state) {
    auto r = s.query(id, now - static_cast<std::int64_t>(state.range(0)), now, 1000, now);
    points = r->points.size();
    benchmark::DoNotOptimize(points);
  }
  state.counters["points"] = static_cast<double>(points);
}
BENCHMARK(BM_QueryDayAt1000Points)
    ->Arg(3600)
    ->Arg(86400)
    ->Arg(7 * 86400)
    ->Unit(benchmark::kMicrosecond);

/// One minute's maintenance pass (aggregate the last minute and quarter, expire) over 150 series
/// that each got a sample every 10 s.
void BM_MaintainOneMinute(benchmark::State& state) {
  auto s = *HistoryStore::open(fresh_file("maintain.sqlite"));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 150; ++i)
    ids.push_back(*s.series_id("com.victronenergy.x", "/P" + std::to_string(i)));
  std::int64_t t = kT0;
  (void)s.maintain(t);
  std::vector<Sample> batch;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (std::int64_t dt = 0; dt < 60; dt += 10)
      for (auto id : ids) batch.push_back({id, t + dt, 1.0});
    (void)s.append(batch);
    t += 60;
    state.ResumeTiming();
    if (!s.maintain(t + 30, 30)) state.SkipWithError("maintain failed");
  }
}
BENCHMARK(BM_MaintainOneMinute)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
