// SPDX-License-Identifier: MIT
// D-Bus publishing cost, on a private dbus-daemon.
//
//   dbus_bench [benchmark flags]            Google Benchmark: one tick = N changed paths published
//                                           (model set + flush + serialization + send), CPU per
//                                           path
//   dbus_bench --load ADDRESS N HZ MODE     a service with N changing paths at HZ on ADDRESS
//                                           (MODE: items | properties | both); prints "ready"
//   dbus_bench --listen ADDRESS             subscribes to every BusItem signal (so that dbus-daemon
//                                           routes them, as with a GUI attached); prints counts on
//                                           exit
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "publishers/dbus/bus_pump.hpp"
#include "publishers/dbus/dbus_publisher.hpp"

using namespace gxlink;

namespace {

std::vector<std::string> g_paths;  // formatted once: the bench measures publishing, not snprintf

model::Service& add_bench_service(model::Model& m, int n) {
  model::ServiceSpec spec;
  spec.type = "battery";
  spec.connection = "bench";
  spec.mgmt_connection = "Bench";
  spec.product_name = std::string("gxlink bench");
  auto& s = m.add_service(spec);
  model::ItemMeta meta;
  meta.unit = "V";
  meta.decimals = 2;
  char path[64];
  for (int i = 0; i < n; ++i) {
    std::snprintf(path, sizeof path, "/Bench/%d/Value", i);
    g_paths.emplace_back(path);
    s.add(path, meta, 0.0);
  }
  return s;
}

void tick(model::Service& s, int n, long t) {
  for (int i = 0; i < n; ++i)
    s.set(g_paths[static_cast<std::size_t>(i)], static_cast<double>(t % 1000) * 0.01 + i * 0.001);
}

// A dbus-daemon of our own for the Google Benchmark cases.
struct Daemon {
  pid_t pid = -1;
  std::string address;
  std::filesystem::path dir;
  Daemon() {
    char tmpl[] = "/tmp/gxlink-dbus-bench-XXXXXX";
    dir = ::mkdtemp(tmpl);
    address = "unix:path=" + (dir / "bus").string();
    pid = ::fork();
    if (pid == 0) {
      const std::string a = "--address=" + address;
      ::execl("/usr/bin/dbus-daemon", "dbus-daemon", "--session", "--nofork", a.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(dir / "bus"); ++i) ::usleep(10000);
  }
  ~Daemon() {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    std::filesystem::remove_all(dir);
  }
};

void publish_ticks(benchmark::State& state, publishers::dbus::SignalMode mode) {
  const int n = static_cast<int>(state.range(0));
  g_paths.clear();
  spdlog::set_level(spdlog::level::warn);
  Daemon d;
  asio::io_context io(1);
  model::Model m;
  m.set_flush_scheduler([] {});  // flushed by hand below
  auto& s = add_bench_service(m, n);
  publishers::PublisherContext ctx{io, m};
  publishers::dbus::DbusOptions o;
  o.bus = d.address;
  o.signals = mode;
  o.import = false;
  publishers::dbus::DbusPublisher pub(ctx, o);
  pub.start();
  m.flush();
  io.poll();
  if (pub.exported() != 1) {
    state.SkipWithError("no dbus-daemon");
    return;
  }
  long t = 0;
  for (auto _ : state) {
    tick(s, n, ++t);
    m.flush();  // → on_changes → ItemsChanged / PropertiesChanged sent
    // Paced like a real tick: the next one starts when the daemon has taken this one (waiting
    // costs no CPU, which is what is measured).
    do {
      io.run_one_for(std::chrono::milliseconds(5));
    } while (pub.output_pending());
  }
  state.SetItemsProcessed(state.iterations() * n);
  pub.stop();
}

void BM_PublishItemsChanged(benchmark::State& state) {
  publish_ticks(state, publishers::dbus::SignalMode::kItemsChanged);
}
void BM_PublishPropertiesChanged(benchmark::State& state) {
  publish_ticks(state, publishers::dbus::SignalMode::kPropertiesChanged);
}
void BM_PublishBoth(benchmark::State& state) {
  publish_ticks(state, publishers::dbus::SignalMode::kBoth);
}
BENCHMARK(BM_PublishItemsChanged)->Arg(500)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PublishPropertiesChanged)->Arg(500)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PublishBoth)->Arg(500)->Unit(benchmark::kMicrosecond);

int run_load(const std::string& address, int n, double hz, const std::string& mode_name) {
  spdlog::set_level(spdlog::level::warn);
  auto mode = publishers::dbus::parse_signal_mode(mode_name);
  if (!mode) return 2;
  asio::io_context io(1);
  model::Model m;
  m.set_flush_scheduler([&] { asio::post(io, [&] { m.flush(); }); });
  auto& s = add_bench_service(m, n);
  publishers::PublisherContext ctx{io, m};
  publishers::dbus::DbusOptions o;
  o.bus = address;
  o.signals = *mode;
  o.import = false;
  publishers::dbus::DbusPublisher pub(ctx, o);
  pub.start();
  asio::steady_timer timer(io);
  const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / hz));
  auto next = std::chrono::steady_clock::now();
  long t = 0;
  bool ready = false;
  std::function<void()> on_timer = [&] {
    if (!ready && pub.exported() == 1) {
      ready = true;
      std::printf("ready\n");
      std::fflush(stdout);
    }
    if (ready) tick(s, n, ++t);
    next += period;
    timer.expires_at(next);
    timer.async_wait([&](const asio::error_code& ec) {
      if (!ec) on_timer();
    });
  };
  on_timer();
  asio::signal_set sigs(io, SIGTERM, SIGINT);
  sigs.async_wait([&](const asio::error_code&, int) { io.stop(); });
  io.run();
  const auto& st = pub.export_stats();
  std::printf(
      "{\"ticks\":%ld,\"paths_published\":%llu,\"items_changed\":%llu,\"properties_changed\":%llu}"
      "\n",
      t, static_cast<unsigned long long>(st.paths_published),
      static_cast<unsigned long long>(st.items_changed),
      static_cast<unsigned long long>(st.properties_changed));
  return 0;
}

int run_listen(const std::string& address) {
  asio::io_context io(1);
  std::uint64_t signals = 0;
  publishers::dbus::BusPump pump(io, sdbus::createSessionBusConnectionWithAddress(address),
                                 [&](const std::string& why) {
                                   std::fprintf(stderr, "listener: %s\n", why.c_str());
                                   io.stop();
                                 });
  auto slot = pump.connection().addMatch("type='signal',interface='com.victronenergy.BusItem'",
                                         [&](sdbus::Message&) { ++signals; });
  pump.kick();
  std::printf("ready\n");
  std::fflush(stdout);
  asio::signal_set sigs(io, SIGTERM, SIGINT);
  sigs.async_wait([&](const asio::error_code&, int) { io.stop(); });
  io.run();
  std::printf("{\"signals\":%llu}\n", static_cast<unsigned long long>(signals));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string first = argc > 1 ? argv[1] : "";
  if (first == "--load" && argc == 6)
    return run_load(argv[2], std::stoi(argv[3]), std::stod(argv[4]), argv[5]);
  if (first == "--listen" && argc == 3) return run_listen(argv[2]);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
