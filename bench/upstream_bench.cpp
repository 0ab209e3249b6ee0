// SPDX-License-Identifier: MIT
// Samples per second through the upstream store-and-forward queue (issue 18 "Benchmarks"): append
// (one transaction per sampler turn), read + acknowledge (what the forwarder does per batch), and
// the encoders for both wire formats. The queue is a real file in a temporary directory, WAL on,
// as in the daemon. Demo-like series: ~300 paths, values as short JSON numbers.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "publishers/upstream/sample_queue.hpp"
#include "publishers/upstream/upstream_format.hpp"

namespace {

using namespace gxlink::publishers::upstream;
namespace fs = std::filesystem;

struct TempFile {
  TempFile() {
    std::string t = (fs::temp_directory_path() / "gxlink-upbench-XXXXXX").string();
    dir = ::mkdtemp(t.data());
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
};

std::vector<std::int64_t> make_series(SampleQueue& q, int n) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < n; ++i)
    ids.push_back(*q.series_id({"battery", 512 + i / 30, "/Path/" + std::to_string(i % 30)}));
  return ids;
}

std::vector<NewSample> make_batch(const std::vector<std::int64_t>& series, std::size_t n,
                                  std::int64_t t0) {
  std::vector<NewSample> b;
  for (std::size_t i = 0; i < n; ++i)
    b.push_back({series[i % series.size()], t0 + static_cast<std::int64_t>(i),
                 std::to_string(20 + static_cast<double>(i % 1000) / 100)});
  return b;
}

// Appends in batches of state.range(0) samples (the sampler appends one batch per turn).
void BM_QueueAppend(benchmark::State& state) {
  TempFile tmp;
  auto q = SampleQueue::open(tmp.dir / "q.sqlite", {.max_rows = 1ll << 40, .max_bytes = 1ll << 40});
  if (!q) {
    state.SkipWithError(q.error().detail.c_str());
    return;
  }
  auto series = make_series(*q, 300);
  const auto batch = make_batch(series, static_cast<std::size_t>(state.range(0)), 1700000000000);
  for (auto _ : state)
    if (!q->append(batch)) state.SkipWithError("append failed");
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["bytes_per_sample"] =
      benchmark::Counter(static_cast<double>(*q->file_bytes()) / static_cast<double>(q->rows()));
}
BENCHMARK(BM_QueueAppend)->Arg(1)->Arg(100)->Arg(1000);

// Read a batch oldest first and delete it (PUBACK): the forwarder's cost per sample.
void BM_QueueReadAndAck(benchmark::State& state) {
  TempFile tmp;
  auto q = SampleQueue::open(tmp.dir / "q.sqlite", {.max_rows = 1ll << 40, .max_bytes = 1ll << 40});
  if (!q) {
    state.SkipWithError(q.error().detail.c_str());
    return;
  }
  auto series = make_series(*q, 300);
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto batch = make_batch(series, n, 1700000000000);
  std::int64_t after = 0;
  std::vector<std::int64_t> ids;
  for (auto _ : state) {
    state.PauseTiming();
    (void)q->append(batch);
    state.ResumeTiming();
    auto rows = q->read(after, q->last_id(), n);
    ids.clear();
    for (const auto& r : *rows) ids.push_back(r.id);
    after = rows->back().id;
    (void)q->remove(ids);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_QueueReadAndAck)->Arg(100)->Arg(1000);

// Thinning a full queue of 200 000 rows (the rare, expensive path): one append over the bound.
void BM_QueueThinFull(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    TempFile tmp;
    auto q = SampleQueue::open(tmp.dir / "q.sqlite", {.max_rows = 200'000, .max_bytes = 1ll << 40});
    auto series = make_series(*q, 300);
    for (int i = 0; i < 200; ++i) (void)q->append(make_batch(series, 1000, i * 1000ll * 1000));
    auto one = make_batch(series, 1, 1ll << 40);
    state.ResumeTiming();
    (void)q->append(one);
    state.counters["thinned"] = static_cast<double>(q->thinned());
  }
}
BENCHMARK(BM_QueueThinFull)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_EncodeMqttArray(benchmark::State& state) {
  std::vector<StoredSample> s;
  for (int i = 0; i < 100; ++i) s.push_back({i, 1, 1700000000000 + i * 1000, "26.82"});
  std::vector<const StoredSample*> p;
  for (auto& x : s) p.push_back(&x);
  for (auto _ : state) benchmark::DoNotOptimize(mqtt_payload(p));
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_EncodeMqttArray);

void BM_EncodeLineProtocol(benchmark::State& state) {
  const SeriesKey key{"battery", 512, "/Dc/0/Voltage"};
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (int i = 0; i < 100; ++i)
      append_line(out, {"gxlink", "c0ffee123456"}, key, 1700000000000 + i, "26.82");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_EncodeLineProtocol);

}  // namespace

BENCHMARK_MAIN();
