// SPDX-License-Identifier: MIT
// VE.Direct TEXT parsing throughput (issue 2: ≥ 100 MB/s on one core). Input: the file named by
// VEDIRECT_BENCH_FILE (bench/vedirect_vs_python.sh passes the same bytes to the Python peer), else
// the shared captures, else the committed excerpts, repeated to about 4 MB.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <asio/io_context.hpp>

#include "core/json_writer.hpp"
#include "drivers/vedirect/vedirect_driver.hpp"
#include "protocols/vedirect/framer.hpp"
#include "protocols/vedirect/text.hpp"

namespace {

using namespace gxlink;
using namespace gxlink::vedirect;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const std::string& input() {
  static const std::string data = [] {
    if (const char* f = std::getenv("VEDIRECT_BENCH_FILE")) return slurp(f);
    std::string one;
    const std::filesystem::path shared = std::filesystem::path(GXLINK_SHARED_DATA) / "vedirect";
    for (const char* n :
         {"karioja_bvm702.dump", "karioja_smartsolar_1.39.dump", "karioja_bluesolar_1.23.dump"})
      one += slurp(shared / n);
    if (one.empty()) {
      const std::filesystem::path local = std::filesystem::path(GXLINK_TEST_DATA) / "vedirect";
      one = slurp(local / "bluesolar_excerpt.dump") + slurp(local / "smartsolar_excerpt.dump");
    }
    std::string all;
    while (all.size() < 4u << 20) all += one;
    return all;
  }();
  return data;
}

// Framing and checksum validation only: blocks with their fields as views.
void BM_TextFramer(benchmark::State& state) {
  const ByteView in = as_bytes(input());
  std::size_t blocks = 0;
  for (auto _ : state) {
    Framer f;
    std::size_t off = 0;
    while (off < in.size()) {
      auto r = f.take(in.subspan(off));
      off += r.consumed;
      blocks += r.status == TakeStatus::kFrame;
    }
    benchmark::DoNotOptimize(blocks);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.counters["blocks"] = static_cast<double>(blocks) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_TextFramer)->Unit(benchmark::kMillisecond);

// Framing plus typed values: every field looked up in the dictionary and parsed to Venus units
// (what the Python peer does with int() and its dict).
void BM_TextFramerAndValues(benchmark::State& state) {
  const ByteView in = as_bytes(input());
  double sum = 0;
  for (auto _ : state) {
    Framer f;
    std::size_t off = 0;
    while (off < in.size()) {
      auto r = f.take(in.subspan(off));
      off += r.consumed;
      if (r.status != TakeStatus::kFrame || r.kind != FrameKind::kText) continue;
      for (const auto& fld : *r.text) {
        const FieldDesc* d = find_field(fld.label);
        if (!d) continue;
        auto v = parse_field(*d, fld.value);
        if (v && v->kind == ValueKind::kNumber) sum += v->value;
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_TextFramerAndValues)->Unit(benchmark::kMillisecond);

// Framing plus the JSON Lines `gxlink decode vedirect` prints for TEXT blocks, through the shared
// writer into one batch (no I/O): what the CLI does per input chunk, minus read() and write().
void BM_TextFramerAndJsonLines(benchmark::State& state) {
  const ByteView in = as_bytes(input());
  JsonBuffer lines;
  std::size_t bytes_out = 0;
  for (auto _ : state) {
    Framer f;
    JsonLineWriter w(lines);
    std::size_t off = 0;
    while (off < in.size()) {
      auto r = f.take(in.subspan(off));
      off += r.consumed;
      if (r.status != TakeStatus::kFrame || r.kind != FrameKind::kText) continue;
      w.reset();
      w.begin_object();
      w.key("kind");
      w.string("text");
      w.key("fields");
      w.begin_object();
      for (const auto& fld : *r.text) w.member(fld.label, fld.value);
      w.end_object();
      w.end_object();
      lines += '\n';
      if (lines.size() >= 64 * 1024) {
        bytes_out += lines.size();
        lines.clear();
      }
    }
    bytes_out += lines.size();
    lines.clear();
    benchmark::DoNotOptimize(bytes_out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.counters["json_bytes"] =
      static_cast<double>(bytes_out) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_TextFramerAndJsonLines)->Unit(benchmark::kMillisecond);

// The whole driver path into the model (dataset merge, mapping, change detection).
void BM_DriverIntoModel(benchmark::State& state) {
  const ByteView in = as_bytes(input());
  for (auto _ : state) {
    asio::io_context io;
    model::Model m;
    model::DeviceInstances inst;
    drivers::DriverContext ctx{io, m, inst};
    drivers::vedirect::VeDirectOptions o;
    o.connection = "bench";
    drivers::vedirect::VeDirectDriver d(ctx, o);
    for (std::size_t off = 0; off < in.size(); off += 4096)
      d.on_bytes(in.subspan(off, std::min<std::size_t>(4096, in.size() - off)),
                 TimePoint(seconds(1)));
    m.flush();
    benchmark::DoNotOptimize(d.stats().blocks);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_DriverIntoModel)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
