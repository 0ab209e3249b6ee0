// SPDX-License-Identifier: MIT
// MQTT publisher throughput on loopback, against a real mosquitto started here (skipped when the
// `mosquitto` binary is missing). Figures in bench/README.md.
//  - MqttPublishLoopback: messages/s from MqttClient::publish until a subscriber has them all.
//  - FullRepublish5000: keep-alive sent by a client → its full_publish_completed received, for a
//    model of 5 000 paths (the whole path through the broker, as a Venus client sees it).
//  - VenusPumpNullSink: the CPU cost of formatting a 5 000-path republish, without a socket.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <benchmark/benchmark.h>
#include <mosquitto.h>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>

#include "publishers/mqtt/mqtt_publisher.hpp"

using namespace gxlink;

namespace {

int free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return a.local_endpoint().port();
}

class Broker {
 public:
  Broker() {
    const char* exe = nullptr;
    for (const char* p : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto"})
      if (std::filesystem::exists(p)) exe = p;
    if (!exe) return;
    port_ = free_port();
    dir_ = std::filesystem::temp_directory_path() /
           ("gxlink-mqtt-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const auto conf = (dir_ / "mosquitto.conf").string();
    std::ofstream(conf) << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\n"
                        << "max_queued_messages 0\npersistence false\n";
    pid_ = ::fork();
    if (pid_ == 0) {
      std::freopen("/dev/null", "w", stderr);
      ::execl(exe, exe, "-c", conf.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // wait until it accepts
      asio::io_context io;
      asio::ip::tcp::socket s(io);
      asio::error_code ec;
      s.connect({asio::ip::address_v4::loopback(), static_cast<unsigned short>(port_)}, ec);
      if (!ec) return;
      ::usleep(20000);
    }
  }
  ~Broker() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  bool ok() const { return pid_ > 0; }
  int port() const { return port_; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
  std::filesystem::path dir_;
};

/// A plain libmosquitto subscriber on its own thread that counts what it receives.
class Counter {
 public:
  Counter(int port, const char* filter) {
    mosquitto_lib_init();
    m_ = mosquitto_new(nullptr, true, this);
    mosquitto_message_callback_set(m_, [](mosquitto*, void* self, const mosquitto_message* msg) {
      auto* c = static_cast<Counter*>(self);
      c->count.fetch_add(1, std::memory_order_relaxed);
      if (std::string_view(msg->topic).ends_with("full_publish_completed"))
        c->completed.fetch_add(1);
    });
    mosquitto_subscribe_callback_set(m_, [](mosquitto*, void* self, int, int, const int*) {
      static_cast<Counter*>(self)->subscribed = true;
    });
    mosquitto_connect(m_, "127.0.0.1", port, 30);
    mosquitto_subscribe(m_, nullptr, filter, 0);
    mosquitto_loop_start(m_);
    for (int i = 0; i < 500 && !subscribed; ++i) ::usleep(10000);
  }
  ~Counter() {
    mosquitto_disconnect(m_);
    mosquitto_loop_stop(m_, false);
    mosquitto_destroy(m_);
  }
  void publish(const std::string& topic, const std::string& payload) {
    mosquitto_publish(m_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(),
                      0, false);
  }
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> completed{0};
  std::atomic<bool> subscribed{false};

 private:
  mosquitto* m_;
};

template <class Pred>
bool run_until(asio::io_context& io, Pred done, int timeout_ms = 30000) {
  const auto end = Clock::now() + milliseconds(timeout_ms);
  while (!done()) {
    io.run_for(milliseconds(1));
    if (Clock::now() > end) return false;
  }
  return true;
}

void MqttPublishLoopback(benchmark::State& state) {
  Broker broker;
  if (!broker.ok()) return state.SkipWithError("mosquitto not installed");
  Counter sub(broker.port(), "N/#");
  asio::io_context io(1);
  publishers::mqtt::ClientOptions o;
  o.port = broker.port();
  publishers::mqtt::MqttClient client(io, o);
  client.start();
  if (!run_until(io, [&] { return client.connected(); })) return state.SkipWithError("no connect");
  const int batch = static_cast<int>(state.range(0));
  const std::string topic = "N/bench/battery/279/Dc/0/Voltage";
  const std::string payload = R"({"value":13.25})";
  std::uint64_t expect = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) client.publish(topic, payload, false);
    expect += static_cast<std::uint64_t>(batch);
    if (!run_until(io, [&] { return sub.count.load() >= expect; }))
      return state.SkipWithError("messages lost");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(expect));
  client.stop();
}
BENCHMARK(MqttPublishLoopback)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

// gxlink's side only: until the socket has taken every message (the broker has no subscriber).
void MqttPublishToSocket(benchmark::State& state) {
  Broker broker;
  if (!broker.ok()) return state.SkipWithError("mosquitto not installed");
  asio::io_context io(1);
  publishers::mqtt::ClientOptions o;
  o.port = broker.port();
  publishers::mqtt::MqttClient client(io, o);
  client.start();
  if (!run_until(io, [&] { return client.connected(); })) return state.SkipWithError("no connect");
  const int batch = static_cast<int>(state.range(0));
  const std::string topic = "N/bench/battery/279/Dc/0/Voltage";
  const std::string payload = R"({"value":13.25})";
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) client.publish(topic, payload, false);
    if (!run_until(io, [&] { return !client.backlogged(); })) return state.SkipWithError("stuck");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * batch);
  client.stop();
}
BENCHMARK(MqttPublishToSocket)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

void add_big(model::Model& m, int n) {
  model::ServiceSpec spec;
  spec.type = "battery";
  spec.connection = "big";
  spec.device_instance = 512;
  auto& s = m.add_service(spec);
  char path[32];
  for (int i = static_cast<int>(s.items().size()); i < n; ++i) {
    std::snprintf(path, sizeof path, "/Path/%05d", i);
    model::ItemMeta meta;
    meta.unit = "V";
    s.add(path, meta, 1.0 + i);
  }
}

void FullRepublish5000(benchmark::State& state) {
  Broker broker;
  if (!broker.ok()) return state.SkipWithError("mosquitto not installed");
  Counter sub(broker.port(), "N/#");
  asio::io_context io(1);
  model::Model model;
  model.set_flush_scheduler([&] { asio::post(io, [&] { model.flush(); }); });
  add_big(model, 5000);
  publishers::mqtt::MqttOptions o;
  o.client.port = broker.port();
  o.venus.portal_id = "bench";
  o.venus.republish_tokens_per_second = 1000000;  // the Venus rate limit would cap the loop at 3/s
  o.republish_chunk = static_cast<std::size_t>(state.range(0));
  publishers::PublisherContext ctx{io, model};
  publishers::mqtt::MqttPublisher pub(ctx, o);
  pub.start();
  // gxlink subscribes to R/ before it publishes its serial (same connection, so in order at the
  // broker): once the serial is here, a keep-alive cannot be missed.
  if (!run_until(io, [&] { return sub.count.load() >= 1; }))
    return state.SkipWithError("no serial");
  const std::size_t paths = model.find("com.victronenergy.battery.big")->items().size();
  std::uint64_t rounds = 0;
  for (auto _ : state) {
    sub.publish("R/bench/keepalive", "");
    ++rounds;
    if (!run_until(io, [&] { return sub.completed.load() >= rounds; })) {
      std::fprintf(stderr,
                   "round %llu: subscriber has %llu messages, %llu completions; bridge: "
                   "published %llu dropped %llu, work %d, client backlogged %d\n",
                   static_cast<unsigned long long>(rounds),
                   static_cast<unsigned long long>(sub.count.load()),
                   static_cast<unsigned long long>(sub.completed.load()),
                   static_cast<unsigned long long>(pub.venus().stats().published),
                   static_cast<unsigned long long>(pub.venus().stats().dropped),
                   pub.venus().has_work(), pub.client().backlogged());
      return state.SkipWithError("no full_publish_completed");
    }
  }
  state.counters["paths"] = static_cast<double>(paths);
  state.SetItemsProcessed(static_cast<std::int64_t>(rounds * paths));
  pub.stop();
}
BENCHMARK(FullRepublish5000)->Arg(256)->Arg(5000)->Unit(benchmark::kMillisecond)->UseRealTime();

class NullSink : public publishers::mqtt::Sink {
 public:
  bool publish(std::string_view t, std::string_view p, bool) override {
    bytes += t.size() + p.size();
    return true;
  }
  bool connected() const override { return true; }
  std::size_t bytes = 0;
};

void VenusPumpNullSink(benchmark::State& state) {
  model::Model model;
  add_big(model, 5000);
  model.flush();
  NullSink sink;
  publishers::mqtt::VenusOptions vo;
  vo.portal_id = "bench";
  vo.republish_tokens_per_second = 1000000;
  publishers::mqtt::VenusBridge bridge(model, sink, vo);
  TimePoint now{};
  for (auto _ : state) {
    bridge.on_message("R/bench/keepalive", "", false, now);
    while (bridge.pump(256)) {
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 5000);
  benchmark::DoNotOptimize(sink.bytes);
}
BENCHMARK(VenusPumpNullSink)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
