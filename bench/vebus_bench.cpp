// SPDX-License-Identifier: MIT
// MK2 framer + codec throughput on the documented frames, and the session's cost per frame.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "protocols/vebus/codec.hpp"
#include "protocols/vebus/framer.hpp"
#include "protocols/vebus/session.hpp"

namespace {

using namespace gxlink;
using namespace gxlink::vebus;

std::vector<std::uint8_t> stream() {
  const char* frames[] = {"0F2001010109 08EC5A5FFFEC5A0800C308", "08FF4C010C00008000 20",
                          "07FF5624DB1100 4252", "07FF598E9C7F0000F8",
                          "0DFF5A8901000000030001000300 09"};
  std::vector<std::uint8_t> s;
  for (int i = 0; i < 200; ++i)
    for (auto f : frames) {
      std::string b;
      from_hex(f, b);
      s.insert(s.end(), b.begin(), b.end());
    }
  return s;
}

void BM_FramerAndDecode(benchmark::State& st) {
  const auto s = stream();
  std::size_t frames = 0;
  for (auto _ : st) {
    StreamFramer f;
    f.push(
        s,
        [&frames](const Mk2Frame& m) {
          auto r = decode(m);
          benchmark::DoNotOptimize(r);
          ++frames;
        },
        [](Errc) {});
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * s.size()));
  st.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FramerAndDecode);

void BM_SessionOnBytes(benchmark::State& st) {
  const auto s = stream();
  Session session;
  session.set_tx([](ByteView) {});
  TimePoint now{};
  session.start(now);
  for (auto _ : st) {
    now += milliseconds(10);
    session.on_bytes(s, now);
    session.on_tick(now);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * s.size()));
}
BENCHMARK(BM_SessionOnBytes);

}  // namespace

BENCHMARK_MAIN();
