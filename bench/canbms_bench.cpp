// SPDX-License-Identifier: MIT
// CAN-bus BMS throughput (issue 3 "Benchmarks"):
//  - frames/s through decode alone, and through decode + model update (GxDriver::on_frame) on one
//    core, for a realistic stream (a simulated battery, values changing every second) and a worst
//    case (every frame carries new values);
//  - CPU share while a candump capture of 4000 frames/s (a full 500 kbit/s bus) is replayed in real
//    time through the file transport into the GX-role driver.
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <benchmark/benchmark.h>

#include "drivers/canbms/gx_driver.hpp"
#include "protocols/canbms/codec.hpp"
#include "sim/canbms/battery_sim.hpp"
#include "transport/candump_file_transport.hpp"
#include "transport/in_process_can_bus.hpp"

namespace {
using namespace gxlink;

// Ten minutes of a simulated battery: about 6 fast frames/s plus the slow identification set.
std::vector<CanFrame> realistic_stream() {
  transport::InProcessCanBus bus;
  auto ep = bus.attach("sim");
  sim::canbms::BatterySim sim(*ep);
  std::vector<CanFrame> out;
  for (int ms = 0; ms < 600000; ms += 100) {
    auto f = sim.frames_due(time_from_seconds(ms / 1000.0));
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

// Every frame different: the current in 0x356 and the SOC in 0x355 move on each frame.
std::vector<CanFrame> worst_case_stream() {
  std::vector<CanFrame> out;
  for (int i = 0; i < 4096; ++i) {
    out.push_back(canbms::encode(
        canbms::Limits{55.2 + (i % 7) * 0.1, 100.0 - (i % 11), 150.0, std::nullopt}));
    out.push_back(canbms::encode(canbms::Soc{static_cast<double>(i % 100), 99.0, std::nullopt}));
    out.push_back(
        canbms::encode(canbms::DcStatus{52.0 + (i % 13) * 0.01, -30.0 + (i % 600) * 0.1, 24.0}));
    canbms::Alarms a;
    a.bytes = {0xA8, 0xA0, static_cast<std::uint8_t>(0x82 ^ (i & 1)), 0, 0, 0, 0x80, 0x0A};
    out.push_back(canbms::encode(a));
  }
  return out;
}

void BM_Decode(benchmark::State& state) {
  const auto frames = realistic_stream();
  std::size_t i = 0, ok = 0;
  for (auto _ : state) {
    auto m = canbms::decode(frames[i]);
    ok += m.has_value();
    benchmark::DoNotOptimize(m);
    if (++i == frames.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  benchmark::DoNotOptimize(ok);
}
BENCHMARK(BM_Decode);

void run_driver(benchmark::State& state, const std::vector<CanFrame>& frames) {
  asio::io_context io;
  model::Model m;
  model::DeviceInstances inst;
  drivers::DriverContext ctx{io, m, inst};
  drivers::canbms::GxDriver d(ctx, nullptr);
  TimePoint t = time_from_seconds(1);
  std::size_t i = 0, n = 0;
  for (auto _ : state) {
    d.on_frame(frames[i], t);
    if (++i == frames.size()) i = 0;
    if ((++n & 255) == 0) m.flush();  // the loop flushes once per tick; a tick holds many frames
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_DecodeAndModelUpdate_Realistic(benchmark::State& state) {
  static const auto frames = realistic_stream();
  run_driver(state, frames);
}
BENCHMARK(BM_DecodeAndModelUpdate_Realistic);

void BM_DecodeAndModelUpdate_EveryFrameNew(benchmark::State& state) {
  static const auto frames = worst_case_stream();
  run_driver(state, frames);
}
BENCHMARK(BM_DecodeAndModelUpdate_EveryFrameNew);

void BM_ParseCandumpLine(benchmark::State& state) {
  const std::string line = "(1600000000.123456) can0 356#1C14F4FFF0000000";
  for (auto _ : state) {
    auto r = transport::parse_candump_line(line);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseCandumpLine);

void BM_ReadCandumpLog(benchmark::State& state) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "(1600000000.123456) can0 356#1C14F4FFF0000000\n";
  for (auto _ : state) {
    std::istringstream in(text);
    transport::CandumpReader r(in);
    while (auto l = r.next()) benchmark::DoNotOptimize(l);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_ReadCandumpLog);

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// 4000 frames/s of BMS traffic (every frame new values) replayed in real time for 10 s.
void BM_ReplayFullBusRealTime(benchmark::State& state) {
  const auto path = std::filesystem::temp_directory_path() / "gxlink_canbms_bench_4000fps.log";
  {
    const auto frames = worst_case_stream();
    std::ofstream f(path);
    for (std::size_t i = 0; i < 40000; ++i)
      f << transport::format_candump_log(frames[i % frames.size()],
                                         1000.0 + static_cast<double>(i) / 4000.0, "can0")
        << '\n';
  }
  for (auto _ : state) {
    asio::io_context io;
    model::Model m;
    m.set_flush_scheduler([&] { asio::post(io, [&] { m.flush(); }); });
    model::DeviceInstances inst;
    drivers::DriverContext ctx{io, m, inst};
    transport::CandumpFileOptions o;
    o.path = path.string();
    auto t = std::make_unique<transport::CandumpFileTransport>(io, o);
    auto* raw = t.get();
    drivers::canbms::GxDriverOptions go;
    go.session.send_keepalive = false;
    drivers::canbms::GxDriver d(ctx, std::move(t), go);
    raw->on_end([&] { io.stop(); });
    const double c0 = cpu_seconds();
    const auto w0 = Clock::now();
    d.start();
    io.run();
    const double wall = to_seconds(Clock::now() - w0);
    const double cpu = cpu_seconds() - c0;
    state.SetIterationTime(wall);
    state.counters["frames"] = static_cast<double>(raw->frames_delivered());
    state.counters["frames_per_s"] = static_cast<double>(raw->frames_delivered()) / wall;
    state.counters["cpu_pct_of_core"] = 100.0 * cpu / wall;
    d.stop();
  }
  std::filesystem::remove(path);
}
BENCHMARK(BM_ReplayFullBusRealTime)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
