// SPDX-License-Identifier: MIT
#pragma once
/// The model as dbus-flashmq publishes the D-Bus (venus_os.md §3 and §8.5), independent of the MQTT
/// library: time and incoming messages are inputs, outgoing messages go to a Sink. The daemon's
/// MqttPublisher feeds it from libmosquitto and asio timers; unit tests drive it with fake time.
///
/// Behaviour copied from dbus-flashmq (bb470b7):
/// - Changes are published only while "alive": a keep-alive (`R/<id>/keepalive`, or the legacy
///   `R/<id>/system/0/Serial`) arms a 60 s timer. Outside it nothing but the retained serial, the
///   startup `N/<id>/keepalive` advert, read answers and service removals is published.
/// - A keep-alive without `suppress-republish` republishes every topic, then
///   `N/<id>/full_publish_completed {"value": <unix time>}` (+ the echo token when asked). Such
///   full republishes are rate-limited to 3 per second (flashmq KEEPALIVE_TOKENS).
/// - `N/<id>/heartbeat {"value": <unix time>}` every 3 s while alive.
/// - `R/` reads of a leaf or of a subtree (every leaf below it) answer whether alive or not.
/// - When a service disappears, each of its topics gets a zero-byte payload.
/// - Two paths are never published and two secrets are masked (venus_topics.hpp).
/// gxlink additions (a client, not the broker): the serial is re-sent at every connect; W/ and R/
/// messages that arrive retained are ignored (a retained write would be replayed at each
/// reconnect); W/ writes only when enabled; and, when alive, a full republish after a reconnect, so
/// that subscribers lose nothing across a broker restart.
///
/// As a client (not the broker) gxlink only hears R/ and W/ once its subscription is active; it
/// subscribes before it publishes the serial on the same connection, so a client that has seen
/// the serial (retained) knows its requests will be heard.
///
/// Large republishes are done in chunks: request_*() only queue a job; pump() publishes up to a
/// budget and says whether more remains, so the event loop keeps running between chunks.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "model/model.hpp"
#include "publishers/mqtt/sink.hpp"
#include "publishers/mqtt/venus_topics.hpp"

namespace gxlink::publishers::mqtt {

struct VenusOptions {
  std::string portal_id;
  bool writes = false;  ///< DESIGN.md safety rules: MQTT writes are off until enabled
  Duration keepalive_timeout = seconds(60);
  Duration heartbeat_interval = seconds(3);
  int republish_tokens_per_second = 3;
  /// Unix time for full_publish_completed and heartbeat (a fake in tests).
  std::function<std::int64_t()> unix_time;
};

struct VenusStats {
  std::uint64_t published = 0;
  std::uint64_t dropped = 0;  ///< not connected at the time
  std::uint64_t reads = 0;
  std::uint64_t writes_ok = 0;
  std::uint64_t writes_refused = 0;
  std::uint64_t bad_requests = 0;  ///< unparsable topics or payloads, unknown services/paths
  std::uint64_t full_republishes = 0;
  std::uint64_t reads_dropped = 0;  ///< subtree reads refused: kMaxJobs were already waiting
};

class VenusBridge {
 public:
  /// Called after each write attempt (for logs): topic, outcome text.
  using WriteLog = std::function<void(std::string_view topic, std::string_view outcome, bool ok)>;

  VenusBridge(model::Model& model, Sink& sink, VenusOptions options);

  const std::string& portal_id() const noexcept { return options_.portal_id; }
  /// Topic filters to subscribe to at each connect.
  std::vector<std::string> subscriptions() const;

  /// The connection is (re)established: serial (retained), the keep-alive advert, and a full
  /// republish when a keep-alive is still running.
  void on_connected(TimePoint now);
  void on_message(std::string_view topic, std::string_view payload, bool retained, TimePoint now);
  /// Keep-alive expiry, heartbeat and the republish rate limit.
  void on_tick(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  // Model events, forwarded by the publisher (it is the model's observer).
  void on_service_added(const model::Service& s);
  void on_service_removed(const model::Service& s);
  void on_changes(std::span<const model::Change> changes);

  /// Publishes up to `budget` messages of queued republish/read jobs; true when work remains.
  bool pump(std::size_t budget);
  bool has_work() const noexcept { return !jobs_.empty(); }
  /// Set by the publisher: called when a job is queued and nothing is pumping yet.
  void set_work_scheduler(std::function<void()> fn) { schedule_work_ = std::move(fn); }
  void set_write_log(WriteLog fn) { write_log_ = std::move(fn); }

  bool alive() const noexcept { return alive_; }
  const VenusStats& stats() const noexcept { return stats_; }

 private:
  struct ServiceKey {
    std::string type;
    std::string instance;
    auto operator<=>(const ServiceKey&) const = default;
  };
  struct Job {
    std::string service;  ///< empty: all services
    std::string prefix;   ///< path prefix ("/Dc"); empty: every path
    bool full = false;    ///< ends with full_publish_completed
    std::vector<std::optional<std::string>> echoes;
    bool started = false;
    std::string cursor_service;  ///< resume point: last service/path published
    std::string cursor_path;
  };

  void publish_item(const model::Service& s, const std::string& path, const model::Item& item);
  bool send(const std::string& topic, std::string_view payload, bool retain);
  void refill_tokens(TimePoint now);
  void rekey(const model::Service& s);
  void handle_keepalive(std::string_view payload, TimePoint now);
  void handle_read(const Request& r);
  void handle_write(const Request& r, std::string_view topic, std::string_view payload);
  const model::Service* lookup(const std::string& type, const std::string& instance) const;
  void queue_full_republish(std::optional<std::string> echo);
  void queue_job(Job job);
  std::int64_t unix_now() const;

  model::Model& model_;
  Sink& sink_;
  VenusOptions options_;
  VenusStats stats_;
  std::map<ServiceKey, std::string> by_key_;             ///< (type, instance) → service name
  std::map<std::string, ServiceKey, std::less<>> keys_;  ///< service name → (type, instance)
  /// Subtree reads and republishes waiting or running. Bounded: a read of a subtree already
  /// queued joins it, and beyond kMaxJobs a read is dropped and counted (anyone who may publish
  /// on the broker can send reads faster than a slow link takes the answers).
  std::deque<Job> jobs_;
  static constexpr std::size_t kMaxJobs = 16;
  static constexpr std::size_t kMaxEchoes = 16;      ///< echo tokens waiting on one republish
  static constexpr std::size_t kMaxEchoBytes = 256;  ///< a longer echo token is not echoed
  std::function<void()> schedule_work_;
  WriteLog write_log_;

  bool alive_ = false;
  TimePoint alive_until_{};
  TimePoint next_heartbeat_{};
  TimePoint tokens_refill_{};
  int tokens_ = 0;
};

}  // namespace gxlink::publishers::mqtt
