// SPDX-License-Identifier: MIT
// In-process NMEA 2000 throughput: frame → message (fast-packet reassembly) → fields → JSON.
// The side-by-side comparison with canboatjs / canboat C is bench/nmea2000_vs_canboatjs.sh.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "protocols/nmea2000/codec.hpp"
#include "protocols/nmea2000/data_link.hpp"
#include "protocols/nmea2000/json.hpp"

using namespace gxlink;
using namespace gxlink::nmea2000;

static void BM_DecodeBatteryStatusToJson(benchmark::State& state) {
  const std::vector<std::uint8_t> p{0x00, 0x1c, 0x0a, 0x07, 0x00, 0xff, 0x70, 0xff};
  Decoded d;
  std::string out;
  for (auto _ : state) {
    out.clear();
    (void)decode(127508, p, d);
    append_fields_json(127508, p, d, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeBatteryStatusToJson);

static void BM_ReassembleDcDetailedStatus(benchmark::State& state) {
  const std::vector<std::uint8_t> p{0x00, 0x0a, 0x00, 0x64, 0x64, 0x7f,
                                    0x05, 0xff, 0xff, 0x10, 0x00};
  std::vector<CanFrame> frames;
  for (std::uint8_t seq = 0; seq < 8; ++seq) {
    auto f = fragment({6, 127506, 0x20, 0xFF}, p, true, seq);
    frames.insert(frames.end(), f->begin(), f->end());
  }
  Receiver rx;
  Decoded d;
  std::size_t i = 0;
  for (auto _ : state) {
    const Message* m = rx.on_frame(frames[i++ % frames.size()], TimePoint{});
    if (m) (void)decode(m->id.pgn, m->payload, d);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReassembleDcDetailedStatus);
BENCHMARK_MAIN();
