// SPDX-License-Identifier: MIT
#include "publishers/history/history_recorder.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>
#include <asio/post.hpp>

namespace gxlink::publishers::history {
namespace {

constexpr std::int64_t kMaintainEvery = 60;  ///< seconds between aggregation/retention passes

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A number, or nullopt for invalid; a string or an array is no time series (`false` in `ok`).
std::optional<double> numeric(const model::Value& v, bool& ok) {
  ok = true;
  if (!model::is_valid(v)) return std::nullopt;
  if (auto d = model::as_double(v); d && std::isfinite(*d)) return d;
  ok = false;
  return std::nullopt;
}

/// `every` seconds have passed since `last`, or the wall clock went back (NTP fixing a Raspberry
/// Pi's clock after boot): then waiting for it to catch up would stop recording for that long.
bool due(std::int64_t now, std::int64_t last, std::int64_t every) {
  return now < last || now - last >= every;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

HistoryRecorder::HistoryRecorder(publishers::PublisherContext ctx, RecorderOptions options)
    : ctx_(ctx), options_(std::move(options)), timer_(ctx.io) {
  if (!options_.now_unix) options_.now_unix = system_now;
  if (options_.interval.count() < 1) options_.interval = std::chrono::seconds(1);
}

HistoryRecorder::~HistoryRecorder() {
  try {
    stop();
  } catch (...) {  // a destructor must not throw (asio's cancel may)
  }
}

std::string HistoryRecorder::describe() const {
  return options_.file.empty() ? std::string("memory") : options_.file.string();
}

void HistoryRecorder::start() {
  if (running_) return;
  running_ = true;
  // The file is opened from the loop, not here, so that the daemon's start-up (and the SIGTERM
  // handling it installs when its loop runs) never waits for a slow disk.
  asio::post(ctx_.io, [this] {
    if (running_ && !store_) open();
  });
}

void HistoryRecorder::open() {
  auto opened = options_.file.empty() ? HistoryStore::open_memory(options_.retention)
                                      : HistoryStore::open(options_.file, options_.retention);
  if (!opened) {
    // Reported once; the rest of the daemon runs on (DESIGN.md safety rules).
    spdlog::error("history: cannot open {}: {}; history is off", describe(), opened.error().detail);
    return;
  }
  store_.emplace(std::move(*opened));
  const auto now = options_.now_unix();
  last_commit_ = last_maintain_ = now;
  ctx_.model.add_observer(this);
  for (const auto& [name, svc] : ctx_.model.services())
    if (svc->announced()) on_service_added(*svc);
  spdlog::info("history: recording into {}", describe());
  schedule();
}

void HistoryRecorder::stop() {
  if (!running_) return;
  running_ = false;
  timer_.cancel();
  if (!store_) return;
  ctx_.model.remove_observer(this);
  commit();
}

void HistoryRecorder::schedule() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || !running_) return;
    tick();
    schedule();
  });
}

HistoryRecorder::Track* HistoryRecorder::track_for(const model::Service& s, const std::string& path,
                                                   const model::Item& item) {
  if (auto it = by_item_.find(&item); it != by_item_.end()) return it->second;
  Track* track = nullptr;
  if (const auto* rule = match_rule(options_.rules, s.name(), path)) {
    // A service that went and came back continues its track (its items are new objects).
    if (const auto id = store_->find_series(s.name(), path))
      if (const auto it = by_series_.find(*id); it != by_series_.end()) track = it->second;
    if (track) {
      track->deadband = rule->deadband;
    } else if (tracks_.size() >= options_.max_series) {
      if (stats_.series_refused++ == 0)
        spdlog::warn("history: more than {} series; {} {} and later ones are not recorded",
                     options_.max_series, s.name(), path);
    } else if (auto id = store_->series_id(s.name(), path); id) {
      auto t = std::make_unique<Track>();
      t->series = *id;
      t->deadband = rule->deadband;
      track = t.get();
      by_series_.emplace(*id, track);
      tracks_.push_back(std::move(t));
      stats_.series = tracks_.size();
    } else {
      spdlog::warn("history: {} {}: {}", s.name(), path, id.error().detail);
      return nullptr;  // not cached: tried again at its next change
    }
  }
  by_item_.emplace(&item, track);
  return track;
}

void HistoryRecorder::note(Track& t, const model::Value& value) {
  bool numeric_ok = true;
  const auto v = numeric(value, numeric_ok);
  if (!numeric_ok) return;
  bool differs;
  if (!t.stored_once || v.has_value() != t.last.has_value())
    differs = true;
  else if (!v)
    differs = false;
  else
    differs = t.deadband > 0 ? std::fabs(*v - *t.last) >= t.deadband : *v != *t.last;
  t.has_pending = differs;
  t.pending = v;
}

void HistoryRecorder::emit(Track& t, std::optional<double> v, std::int64_t now) {
  t.stored_once = true;
  t.last = v;
  t.last_t = now;
  t.has_pending = false;
  if (buffer_.size() >= options_.max_buffered) {
    ++stats_.dropped;
    return;
  }
  buffer_.push_back({t.series, now, v});
}

void HistoryRecorder::on_service_added(const model::Service& s) {
  if (!store_) return;
  for (const auto& [path, item] : s.items())
    if (auto* t = track_for(s, path, item)) note(*t, item.value);
}

void HistoryRecorder::on_service_removed(const model::Service& s) {
  // Its items go away with it: forget their addresses (a new item may reuse one). The tracks stay,
  // so a service that comes back continues its series.
  for (const auto& [path, item] : s.items()) {
    if (auto it = by_item_.find(&item); it != by_item_.end()) {
      if (it->second && it->second->last.has_value()) {
        it->second->has_pending = true;  // the service is gone: store a gap
        it->second->pending.reset();
      }
      by_item_.erase(it);
    }
  }
}

void HistoryRecorder::on_changes(std::span<const model::Change> changes) {
  if (!store_) return;
  for (const auto& c : changes)
    if (auto* t = track_for(*c.service, *c.path, *c.item)) note(*t, c.item->value);
}

void HistoryRecorder::tick() {
  if (!store_) return;
  const std::int64_t now = options_.now_unix();
  const std::int64_t interval = options_.interval.count();
  const std::int64_t heartbeat = options_.heartbeat.count();
  for (auto& tp : tracks_) {
    Track& t = *tp;
    if (t.has_pending && (!t.stored_once || due(now, t.last_t, interval)))
      emit(t, t.pending, now);
    else if (t.stored_once && heartbeat > 0 && due(now, t.last_t, heartbeat))
      emit(t, t.last, now);
  }
  if (due(now, last_commit_, options_.commit_interval.count())) commit();
  if (due(now, last_maintain_, kMaintainEvery)) {
    last_maintain_ = now;
    const auto t0 = std::chrono::steady_clock::now();
    // The lag covers samples still in the buffer (commit_interval) plus one tick.
    auto more = store_->maintain(now, options_.commit_interval.count() + 2);
    if (!more) {
      spdlog::warn("history: downsampling/retention failed: {}", more.error().detail);
    } else if (*more) {
      last_maintain_ = now - kMaintainEvery + 1;  // a backlog: continue at the next tick
    }
    spdlog::debug("history: maintenance took {:.1f} ms", ms_since(t0));
  }
}

void HistoryRecorder::commit() {
  last_commit_ = options_.now_unix();
  if (!store_ || buffer_.empty()) return;
  const auto t0 = std::chrono::steady_clock::now();
  if (auto ok = store_->append(buffer_); !ok) {
    ++stats_.commit_errors;
    stats_.dropped += buffer_.size();
    spdlog::warn("history: {} samples lost: {}", buffer_.size(), ok.error().detail);
  } else {
    stats_.samples += buffer_.size();
  }
  buffer_.clear();
  stats_.last_commit_ms = ms_since(t0);
  stats_.max_commit_ms = std::max(stats_.max_commit_ms, stats_.last_commit_ms);
}

}  // namespace gxlink::publishers::history
