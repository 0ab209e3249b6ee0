// SPDX-License-Identifier: MIT
#include "publishers/mqtt/mqtt_publisher.hpp"

#include <fstream>
#include <random>

#include <spdlog/spdlog.h>
#include <asio/post.hpp>

#include "core/log_limit.hpp"

namespace gxlink::publishers::mqtt {
namespace {

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string hex12(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(12, '0');
  for (int i = 11; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
    v >>= 4;
  }
  return s;
}

std::string first_line(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string line;
  if (in) std::getline(in, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  return line;
}

ClientOptions with_will(ClientOptions c, const MqttOptions& o) {
  if (o.homeassistant)
    c.will = {{o.ha.state_prefix + "/" + o.venus.portal_id + "/status", "offline"}};
  return c;
}

}  // namespace

std::string default_portal_id(const std::filesystem::path& state_file) {
  for (const char* f : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
    // Hashed, so the machine id itself is not published (it is meant to stay private).
    if (auto id = first_line(f); id.size() >= 16) return hex12(fnv1a64("gxlink-portal-id:" + id));
  }
  if (auto id = first_line(state_file); id.size() == 12) return id;
  std::random_device rd;
  const std::string id = hex12((std::uint64_t{rd()} << 32) | rd());
  std::error_code ec;
  std::filesystem::create_directories(state_file.parent_path(), ec);
  std::ofstream(state_file) << id << '\n';
  return id;
}

MqttPublisher::MqttPublisher(publishers::PublisherContext ctx, MqttOptions options)
    : ctx_(ctx),
      options_(std::move(options)),
      client_(ctx.io, with_will(options_.client, options_)),
      sink_(client_),
      venus_(ctx.model, sink_, options_.venus),
      tick_timer_(ctx.io) {
  if (options_.homeassistant) {
    options_.ha.portal_id = options_.venus.portal_id;
    ha_ = std::make_unique<HaDiscovery>(ctx.model, sink_, options_.ha);
  }
  venus_.set_work_scheduler([this] { schedule_pump(); });
  // Writes are logged (DESIGN.md safety rules), bounded so that a client hammering W/ topics
  // cannot flood the log (issue 11 item 8): one line per 10 s per topic for accepted writes and
  // per outcome for refusals, with the count of those left out; topics are cut (up to 64 KiB).
  venus_.set_write_log([limiter = RateLimiter(seconds(10)), refused = std::uint64_t{0}](
                           std::string_view topic, std::string_view outcome, bool ok) mutable {
    const auto d =
        limiter.check(ok ? std::string(topic) : "\n" + std::string(outcome), Clock::now());
    if (ok) {
      if (d) spdlog::info("mqtt: write {}: ok{}", truncate_for_log(topic), suppressed_note(d));
      return;
    }
    ++refused;
    if (d)
      spdlog::warn("mqtt: write {} refused: {} ({} refused so far){}", truncate_for_log(topic),
                   truncate_for_log(outcome), refused, suppressed_note(d));
  });
  client_.on_connect = [this] {
    venus_.on_connected(Clock::now());
    if (ha_) ha_->on_connected();
    arm_tick();
  };
  client_.on_message = [this](std::string_view topic, std::string_view payload, bool retained) {
    if (ha_ && !topic.starts_with("R/") && !topic.starts_with("W/")) {
      ha_->on_message(topic, payload);
      return;
    }
    venus_.on_message(topic, payload, retained, Clock::now());
    arm_tick();  // a keep-alive moves the deadlines
  };
  for (auto& f : venus_.subscriptions()) client_.subscribe(f);
  if (ha_)
    for (auto& f : ha_->subscriptions()) client_.subscribe(f);
}

MqttPublisher::~MqttPublisher() { stop(); }

std::string MqttPublisher::describe() const {
  return client_.describe() + " (portal id " + venus_.portal_id() + ")";
}

void MqttPublisher::start() {
  if (started_) return;
  started_ = true;
  ctx_.model.add_observer(this);
  client_.start();
  arm_tick();
}

void MqttPublisher::stop() {
  if (!started_) return;
  started_ = false;
  ctx_.model.remove_observer(this);
  if (ha_ && client_.connected()) ha_->going_offline();
  client_.stop();
  tick_timer_.cancel();
}

void MqttPublisher::on_service_added(const model::Service& s) {
  venus_.on_service_added(s);
  if (ha_) ha_->on_service_added(s);
}

void MqttPublisher::on_service_removed(const model::Service& s) {
  venus_.on_service_removed(s);
  if (ha_) ha_->on_service_removed(s);
}

void MqttPublisher::on_changes(std::span<const model::Change> changes) {
  // One model flush = one batch (the model already coalesced repeated changes of a path).
  venus_.on_changes(changes);
  if (ha_) ha_->on_changes(changes);
}

void MqttPublisher::schedule_pump() {
  if (pump_scheduled_) return;
  pump_scheduled_ = true;
  asio::post(ctx_.io, [this, life = std::weak_ptr<int>(life_)] {
    if (!life.expired()) pump();
  });
}

void MqttPublisher::pump() {
  pump_scheduled_ = false;
  if (!started_) return;
  // Back-pressure: while the socket does not take more, wait instead of queueing in memory.
  if (client_.backlogged()) {
    pump_scheduled_ = true;
    client_.when_drained([this, life = std::weak_ptr<int>(life_)] {
      if (life.expired()) return;
      pump_scheduled_ = false;
      pump();
    });
    return;
  }
  // One chunk per loop turn: drivers, timers and other publishers run between chunks.
  if (venus_.pump(options_.republish_chunk)) schedule_pump();
}

void MqttPublisher::arm_tick() {
  const auto now = Clock::now();
  venus_.on_tick(now);
  auto next = venus_.next_deadline().value_or(now + seconds(1));
  if (next <= now) next = now + milliseconds(1);
  tick_timer_.expires_at(next);
  tick_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) arm_tick();
  });
}

}  // namespace gxlink::publishers::mqtt
