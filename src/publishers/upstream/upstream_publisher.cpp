// SPDX-License-Identifier: MIT
#include "publishers/upstream/upstream_publisher.hpp"

#include <spdlog/spdlog.h>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <stdexcept>
#include <unordered_map>

#include "publishers/upstream/sampler.hpp"
#include "publishers/upstream/upstream_format.hpp"
#include "transport/retry_timer.hpp"

namespace gxlink::publishers::upstream {
namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// How often an output looks at its sampler, queue and peer. Short, so catch-up batches follow
// each other closely; the work per turn is bounded by the window and the catch-up budget.
constexpr auto kHeartbeat = milliseconds(100);
// At most this many samples in one MQTT array message (about 40 bytes each).
constexpr std::size_t kMaxSamplesPerMessage = 1000;

}  // namespace

/// One upstream output: sampler → queue → forwarder → transport.
class Output : public model::Observer, public Transport {
 public:
  Output(publishers::PublisherContext& ctx, const OutputOptions& o)
      : ctx_(ctx),
        common_(o),
        queue_(open_queue(o)),
        sampler_(queue_, wall_ms),
        forwarder_(queue_, *this, o.forward),
        timer_(ctx.io) {}
  ~Output() override = default;

  virtual std::string describe() const = 0;

  void start() {
    ctx_.model.add_observer(this);
    const auto now = Clock::now();
    next_sample_ = now + common_.min_interval;
    next_snapshot_ = now;  // one full snapshot at start, then every snapshot_interval
    if (queue_.rows() > 0)
      spdlog::info("upstream {}: {} samples queued from before, oldest first once {} is reachable",
                   common_.name, queue_.rows(), describe());
    start_link();
    arm();
  }

  void stop() {
    ctx_.model.remove_observer(this);
    timer_.cancel();
    check(sampler_.sample_changes(), "queue");  // what changed since the last turn is kept
    check(forwarder_.flush_acks(), "queue");
    stop_link();
    const auto& s = forwarder_.stats();
    spdlog::info(
        "upstream {}: {} samples queued, {} live and {} backlog sent, {} acknowledged, "
        "{} thinned, {} oldest dropped; {} left in the queue",
        common_.name, queue_.appended(), s.sent_live, s.sent_backlog, s.acked, queue_.thinned(),
        queue_.dropped_oldest(), queue_.rows());
  }

  // Observer: the sampler keeps the per-path state.
  void on_service_added(const model::Service& s) override { sampler_.on_service_added(s); }
  void on_service_removed(const model::Service& s) override { sampler_.on_service_removed(s); }
  void on_changes(std::span<const model::Change> c) override { sampler_.on_changes(c); }

 protected:
  virtual void start_link() = 0;
  virtual void stop_link() = 0;

  void link_up() {
    forwarder_.link_up(Clock::now());
    backlog_started_ = Clock::now();
    backlog_rows_ = queue_.rows();
    was_catching_up_ = forwarder_.catching_up();
    if (was_catching_up_)
      spdlog::info("upstream {}: sending {} queued samples, oldest first", common_.name,
                   backlog_rows_);
    pump_soon();
  }

  /// Runs the forwarder on a posted turn (several acknowledgements in one read share it).
  void pump_soon() {
    if (pump_posted_) return;
    pump_posted_ = true;
    asio::post(ctx_.io, [this, life = std::weak_ptr<int>(life_)] {
      if (life.expired()) return;
      pump_posted_ = false;
      pump();
    });
  }

  void pump() {
    if (forwarder_.pending_acks() > 0) check(forwarder_.flush_acks(), "queue");
    check(forwarder_.pump(Clock::now()), "queue");
    if (was_catching_up_ && !forwarder_.catching_up() && forwarder_.up()) {
      was_catching_up_ = false;
      spdlog::info("upstream {}: backlog of {} samples sent in {:.1f} s", common_.name,
                   backlog_rows_, to_seconds(Clock::now() - backlog_started_));
    }
  }

  void check(const Status& s, const char* what) {
    if (s) return;
    ++errors_;
    if (errors_ == 1 || errors_ % 1000 == 0)
      spdlog::error("upstream {}: {} error ({} so far): {}", common_.name, what, errors_,
                    s.error().detail);
  }

  publishers::PublisherContext& ctx_;
  OutputOptions common_;
  SampleQueue queue_;
  Sampler sampler_;
  Forwarder forwarder_;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);

 private:
  // A queue file that cannot be opened (corrupt, from a newer gxlink, unwritable) must not keep
  // the daemon or this output down (DESIGN.md safety rules): it is set aside, not deleted, and a
  // fresh one is started; as a last resort the queue lives in memory.
  static SampleQueue open_queue(const OutputOptions& o) {
    auto q = SampleQueue::open(o.queue_file, o.limits);
    if (q) return std::move(*q);
    spdlog::error("upstream {}: queue {}: {}", o.name, o.queue_file.string(), q.error().detail);
    if (!o.queue_file.empty()) {
      std::error_code ec;
      auto aside = o.queue_file;
      aside += ".unreadable";
      std::filesystem::rename(o.queue_file, aside, ec);
      for (const char* side : {"-wal", "-shm"}) {  // SQLite's WAL files go with their database
        std::error_code ignored;
        auto from = o.queue_file, to = aside;
        from += side;
        to += side;
        std::filesystem::rename(from, to, ignored);
      }
      if (!ec) {
        spdlog::error("upstream {}: moved it to {} and started a new queue", o.name,
                      aside.string());
        if (auto fresh = SampleQueue::open(o.queue_file, o.limits)) return std::move(*fresh);
      }
    }
    spdlog::error("upstream {}: keeping the queue in memory: samples will not survive a restart",
                  o.name);
    auto mem = SampleQueue::open({}, o.limits);
    if (!mem) throw std::runtime_error("upstream " + o.name + ": " + mem.error().detail);
    return std::move(*mem);
  }

  void arm() {
    timer_.expires_after(kHeartbeat);
    timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      const auto now = Clock::now();
      if (now >= next_snapshot_) {
        check(sampler_.snapshot(ctx_.model), "queue");
        next_snapshot_ = now + common_.snapshot_interval;
        next_sample_ = now + common_.min_interval;
      } else if (now >= next_sample_) {
        check(sampler_.sample_changes(), "queue");
        next_sample_ = now + common_.min_interval;
      }
      pump();
      arm();
    });
  }

  asio::steady_timer timer_;
  TimePoint next_sample_{};
  TimePoint next_snapshot_{};
  bool pump_posted_ = false;
  bool was_catching_up_ = false;
  TimePoint backlog_started_{};
  std::int64_t backlog_rows_ = 0;
  std::uint64_t errors_ = 0;
};

namespace {

/// `[[upstream.mqtt]]`: QoS 1 through the shared libmosquitto client; a message's samples leave
/// the queue on its PUBACK.
class MqttOutput final : public Output {
 public:
  MqttOutput(publishers::PublisherContext& ctx, MqttOutputOptions o)
      : Output(ctx, o.common), options_(std::move(o)), client_(ctx.io, options_.client) {
    client_.on_connect = [this] {
      inflight_.clear();
      link_up();
    };
    client_.on_disconnect = [this] {
      // Whatever waited for a PUBACK is still queued and goes again with the next backlog.
      inflight_.clear();
      forwarder_.link_down();
    };
    client_.on_published = [this](int mid) {
      auto it = inflight_.find(mid);
      if (it == inflight_.end()) return;  // a QoS 0 id, or one from before a reconnect
      forwarder_.acked(it->second);
      inflight_.erase(it);
      pump_soon();
    };
  }

  std::string describe() const override { return client_.describe(); }

  bool ready() const override {
    return client_.connected() &&
           inflight_.size() < static_cast<std::size_t>(options_.client.max_inflight);
  }

  void send(std::vector<StoredSample> batch) override {
    // One message per topic per batch, oldest first within it: per-topic order is what MQTT
    // keeps (one connection, QoS 1, MQTT 3.1.1 §4.6), so the consumer sees each series in order.
    std::unordered_map<std::int64_t, std::size_t> group_of;
    std::vector<std::vector<const StoredSample*>> groups;
    for (const auto& s : batch) {
      auto [it, fresh] = group_of.try_emplace(s.series, groups.size());
      if (fresh) groups.emplace_back();
      groups[it->second].push_back(&s);
    }
    std::vector<std::int64_t> unknown;
    for (const auto& g : groups) {
      const SeriesKey* key = queue_.series(g.front()->series);
      if (!key) {  // cannot happen with one writer; dropped rather than blocking the queue
        for (const auto* s : g) unknown.push_back(s->id);
        continue;
      }
      const auto topic = mqtt_topic(options_.prefix, common_.portal_id, *key);
      for (std::size_t i = 0; i < g.size(); i += kMaxSamplesPerMessage) {
        const auto part = std::span(g).subspan(i, std::min(kMaxSamplesPerMessage, g.size() - i));
        auto mid = client_.publish_qos1(topic, mqtt_payload(part));
        if (!mid) return;  // gone: the rest stays queued for the next backlog
        auto& ids = inflight_[*mid];
        ids.clear();
        for (const auto* s : part) ids.push_back(s->id);
      }
    }
    if (!unknown.empty()) forwarder_.acked(unknown);
  }

 protected:
  void start_link() override { client_.start(); }
  void stop_link() override { client_.stop(); }

 private:
  MqttOutputOptions options_;
  publishers::mqtt::MqttClient client_;
  std::unordered_map<int, std::vector<std::int64_t>> inflight_;
};

/// `[[upstream.influx]]`: line protocol in batches, one request at a time; a batch leaves the
/// queue on a 2xx answer.
class InfluxOutput final : public Output {
 public:
  InfluxOutput(publishers::PublisherContext& ctx, InfluxOutputOptions o)
      : Output(ctx, o.common),
        options_(std::move(o)),
        retry_(ctx.io, options_.retry_min, options_.retry_max) {
    if (options_.version == 1) {
      path_ = options_.target.base_path + "/write?db=" + url_encode(options_.database);
      if (!options_.retention_policy.empty())
        path_ += "&rp=" + url_encode(options_.retention_policy);
      if (!options_.username.empty())
        headers_ =
            "Authorization: Basic " + base64(options_.username + ":" + options_.password) + "\r\n";
    } else {
      path_ = options_.target.base_path + "/api/v2/write?org=" + url_encode(options_.org) +
              "&bucket=" + url_encode(options_.bucket);
      if (!options_.token.empty()) headers_ = "Authorization: Token " + options_.token + "\r\n";
    }
    path_ += "&precision=ms";
  }

  ~InfluxOutput() override {
    if (request_) request_->cancel();  // its handler refers to this output
  }

  std::string describe() const override {
    return "http://" + options_.target.host + ":" + options_.target.port + path_;
  }

  bool ready() const override { return running_ && !request_; }

  void send(std::vector<StoredSample> batch) override {
    std::string body;
    std::vector<std::int64_t> ids;
    ids.reserve(batch.size());
    const LineContext lc{options_.measurement, common_.portal_id};
    for (const auto& s : batch) {
      ids.push_back(s.id);
      if (const auto* key = queue_.series(s.series))
        append_line(body, lc, *key, s.t_ms, s.value_json);  // false: null, nothing to write
    }
    if (body.empty()) {
      forwarder_.acked(ids);
      return;
    }
    request_ = HttpPost::start(
        ctx_.io, options_.target, path_, headers_, std::move(body), options_.timeout,
        [this, ids = std::move(ids)](HttpResult r) { answered(std::move(r), ids); });
  }

 protected:
  void start_link() override {
    running_ = true;
    link_up();
  }
  void stop_link() override {
    running_ = false;
    retry_.cancel();
    if (request_) request_->cancel();
    request_.reset();
  }

 private:
  void answered(HttpResult r, const std::vector<std::int64_t>& ids) {
    request_.reset();
    if (r.status >= 200 && r.status < 300) {
      if (reported_) spdlog::info("upstream {}: {} accepts writes again", common_.name, describe());
      reported_ = false;
      retry_.succeeded();
      forwarder_.acked(ids);
      pump_soon();
      return;
    }
    if (r.status == 400 || r.status == 422) {
      // The database refuses these lines for good (InfluxDB: a field-type conflict or a
      // malformed point; the rest of the batch is written): retrying would jam the queue.
      rejected_ += ids.size();
      spdlog::warn("upstream {}: {} refused a batch of {} samples ({} refused so far): HTTP {} {}",
                   common_.name, describe(), ids.size(), rejected_, r.status, r.body);
      forwarder_.acked(ids);
      pump_soon();
      return;
    }
    // Unreachable, overloaded (429, 5xx) or not allowed (401/403/404: the token or the bucket,
    // fixed on the server side): keep everything and retry with backoff (DESIGN.md safety rules).
    if (!reported_) {
      spdlog::warn("upstream {}: {} {}; samples stay queued, retrying every {} s at most",
                   common_.name, describe(),
                   r.status ? "answered HTTP " + std::to_string(r.status) + " " + r.body : r.error,
                   std::chrono::duration_cast<seconds>(options_.retry_max).count());
      reported_ = true;
    }
    forwarder_.link_down();
    retry_.schedule([this] {
      if (running_) link_up();
    });
  }

  InfluxOutputOptions options_;
  std::string path_;
  std::string headers_;
  std::shared_ptr<HttpPost> request_;
  transport::RetryTimer retry_;
  bool running_ = false;
  bool reported_ = false;
  std::uint64_t rejected_ = 0;
};

}  // namespace

UpstreamPublisher::UpstreamPublisher(publishers::PublisherContext& ctx, UpstreamOptions options)
    : ctx_(ctx) {
  for (auto& m : options.mqtt) outputs_.push_back(std::make_unique<MqttOutput>(ctx_, std::move(m)));
  for (auto& i : options.influx)
    outputs_.push_back(std::make_unique<InfluxOutput>(ctx_, std::move(i)));
}

UpstreamPublisher::~UpstreamPublisher() = default;

std::string UpstreamPublisher::describe() const {
  std::string d;
  for (const auto& o : outputs_) d += (d.empty() ? "" : ", ") + o->describe();
  return d;
}

void UpstreamPublisher::start() {
  for (auto& o : outputs_) o->start();
}

void UpstreamPublisher::stop() {
  for (auto& o : outputs_) o->stop();
}

}  // namespace gxlink::publishers::upstream
