// SPDX-License-Identifier: MIT
// SDO client throughput: complete expedited uploads (request out, response in, outcome taken) and
// segmented uploads of a 19-byte string, for several nodes in parallel; frames handled per second.
#include <benchmark/benchmark.h>

#include "protocols/canopen/sdo_client.hpp"

using namespace gxlink;
using namespace gxlink::canopen;

static void BM_SdoExpeditedUpload(benchmark::State& state) {
  SdoClient client;
  const TimePoint now = TimePoint{} + seconds(1);
  const std::uint8_t value[] = {0xFA, 0x34, 0x00, 0x00};
  std::uint64_t frames = 0;
  for (auto _ : state) {
    for (std::uint8_t node = 1; node <= 8; ++node) (void)client.upload(node, 0x6060, 0, node, now);
    for (const CanFrame& req : client.take_frames()) {
      client.on_frame(
          sdo_upload_response_expedited(static_cast<std::uint8_t>(req.id & 0x7F), 0x6060, 0, value),
          now);
      frames += 2;
    }
    benchmark::DoNotOptimize(client.take_outcomes());
  }
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SdoExpeditedUpload);

static void BM_SdoSegmentedUpload(benchmark::State& state) {
  SdoClient client;
  const TimePoint now = TimePoint{} + seconds(1);
  const std::string text = "Epsilon V2 12V150Ah";
  std::uint64_t frames = 0;
  for (auto _ : state) {
    (void)client.upload(1, 0x1008, 0, 0, now);
    client.take_frames();
    client.on_frame(
        sdo_upload_response_segmented(1, 0x1008, 0, static_cast<std::uint32_t>(text.size())), now);
    bool toggle = false;
    for (std::size_t off = 0; off < text.size(); off += 7) {
      client.take_frames();
      const std::size_t n = std::min<std::size_t>(7, text.size() - off);
      client.on_frame(sdo_upload_segment_response(1, toggle, as_bytes(text).subspan(off, n),
                                                  off + n >= text.size()),
                      now);
      toggle = !toggle;
    }
    frames += 8;  // 4 requests + 4 responses
    benchmark::DoNotOptimize(client.take_outcomes());
  }
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SdoSegmentedUpload);

BENCHMARK_MAIN();
