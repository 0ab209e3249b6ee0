// SPDX-License-Identifier: MIT
#pragma once
/// The history recorder: observes the model on the loop (like the MQTT publisher) and stores the
/// chosen paths in the history store (history_store.hpp).
///
/// What is stored, per path (a "series"):
/// - a change, once it differs from the last stored value by more than the path's deadband, or
///   becomes invalid or valid again (a gap is data: the device was gone);
/// - at most one sample per `interval` (the latest value wins; it is stored when the interval
///   has passed, so the last value of a burst is never lost);
/// - the unchanged value again every `heartbeat`, so that a short recent range of a steady value
///   still has a point.
///
/// Writes: samples are buffered and written every `commit_interval` in one transaction (WAL,
/// synchronous=NORMAL: no fsync per sample or per commit). This stays on the loop thread: a commit
/// of the demo's few hundred samples takes about a millisecond and aggregation works in bounded
/// steps (bench/README.md "History"), so a worker thread and its queue would add more than they
/// save. The buffer is bounded (`max_buffered`): when the disk stalls, samples beyond it are
/// dropped and counted, never accumulated.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <asio/steady_timer.hpp>

#include "publishers/history/history_paths.hpp"
#include "publishers/history/history_store.hpp"
#include "publishers/publisher.hpp"

namespace gxlink::publishers::history {

struct RecorderOptions {
  std::filesystem::path file;  ///< empty: in memory (lost at exit)
  Retention retention{};
  std::vector<PathRule> rules{default_path_rules().begin(), default_path_rules().end()};
  std::chrono::seconds interval{10};
  std::chrono::seconds heartbeat{300};
  std::chrono::seconds commit_interval{5};
  std::size_t max_series = 2000;     ///< series beyond it are not recorded (counted)
  std::size_t max_buffered = 50000;  ///< samples waiting for a commit; beyond it dropped (counted)
  /// The wall clock in Unix seconds (history is kept in real time); tests may replace it.
  std::function<std::int64_t()> now_unix{};
};

struct RecorderStats {
  std::uint64_t samples = 0;         ///< samples handed to the store
  std::uint64_t dropped = 0;         ///< samples dropped: buffer full or a failed commit
  std::uint64_t series_refused = 0;  ///< paths not recorded because of max_series
  std::uint64_t commit_errors = 0;
  std::size_t series = 0;     ///< series being recorded
  double last_commit_ms = 0;  ///< wall time of the last commit
  double max_commit_ms = 0;
};

class HistoryRecorder final : public publishers::Publisher, public model::Observer {
 public:
  HistoryRecorder(publishers::PublisherContext ctx, RecorderOptions options);
  ~HistoryRecorder() override;

  std::string_view kind() const override { return "history"; }
  std::string describe() const override;
  /// Opens the store from the loop (a failure is reported once; the daemon runs on without
  /// history) and records from then on, starting with what the model holds.
  void start() override;
  /// What start() posts to the loop; tests call it (or poll the loop) to open at once.
  void open();
  /// Writes what is buffered and stops.
  void stop() override;

  /// The store, or nullptr when it could not be opened. Loop thread only.
  HistoryStore* store() { return store_ ? &*store_ : nullptr; }
  const RecorderStats& stats() const { return stats_; }
  std::int64_t now_unix() const { return options_.now_unix(); }

  /// One step of the recorder's clock (normally every second from its timer): stores pending
  /// values whose interval has passed and heartbeats, commits every commit_interval, maintains
  /// the store every minute. Public so tests drive it with a fake clock.
  void tick();
  /// Writes the buffered samples now.
  void commit();

  void on_service_added(const model::Service& s) override;
  void on_service_removed(const model::Service& s) override;
  void on_changes(std::span<const model::Change> changes) override;

 private:
  struct Track {
    std::int64_t series = 0;
    double deadband = 0;
    bool stored_once = false;
    std::optional<double> last;  ///< last stored value
    std::int64_t last_t = 0;     ///< when it was stored
    bool has_pending = false;
    std::optional<double> pending;
  };
  /// The track of an item, creating it when a rule matches; nullptr when it is not recorded.
  Track* track_for(const model::Service& s, const std::string& path, const model::Item& item);
  void note(Track& t, const model::Value& v);
  void emit(Track& t, std::optional<double> v, std::int64_t now);
  void schedule();

  publishers::PublisherContext ctx_;
  RecorderOptions options_;
  std::optional<HistoryStore> store_;
  asio::steady_timer timer_;
  bool running_ = false;
  /// Per item: its track, or nullptr when no rule matches (so the rules are matched once).
  std::unordered_map<const model::Item*, Track*> by_item_;
  std::vector<std::unique_ptr<Track>> tracks_;
  std::unordered_map<std::int64_t, Track*> by_series_;
  std::vector<Sample> buffer_;
  std::int64_t last_commit_ = 0;
  std::int64_t last_maintain_ = 0;
  RecorderStats stats_;
};

}  // namespace gxlink::publishers::history
