// SPDX-License-Identifier: MIT
#pragma once
/// The store-and-forward queue of the upstream outputs (issue 18): every sample a site wants a
/// central broker or database to have is written here first and leaves only when the peer has
/// acknowledged it (MQTT PUBACK, HTTP 2xx). One SQLite file per output under `[general] data_dir`,
/// through the shared layer in storage/sqlite_db.hpp, so the queue survives a restart or a power
/// cut (WAL, sqlite.org/wal.html).
///
/// Bounded by rows and bytes. When an append takes it over either bound, the policy is, in order:
///   1. thin: in the oldest hour of samples, delete every other sample of each series (the first,
///      third, ... stay), so the oldest period keeps its shape at half the resolution; if that
///      hour has nothing left to thin, the window doubles (2 h, 4 h, ...) up to the whole queue;
///   2. only when every series is down to one sample in the whole queue, drop the oldest rows.
/// Both are counted (thinned(), dropped_oldest()). New samples are never refused: the policy
/// makes room among the old ones, down to a low-water mark of 90 % of the bounds so that thinning
/// runs once per 10 % of growth, not on every append.
///
/// Single-threaded: it belongs to the daemon's loop (the Database is opened NOMUTEX).

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "storage/sqlite_db.hpp"

namespace gxlink::publishers::upstream {

/// What a sample is about: Venus service type, device instance and path ("/Dc/0/Voltage").
using storage::Status;

struct SeriesKey {
  std::string type;
  std::int64_t instance = 0;
  std::string path;
  bool operator==(const SeriesKey&) const = default;
};

struct NewSample {
  std::int64_t series = 0;  ///< from SampleQueue::series_id
  std::int64_t t_ms = 0;    ///< unix time of the sample, milliseconds
  std::string value_json;   ///< the value as compact JSON ("26.82", "null", "\"Bulk\"", "[1,2]")
};

struct StoredSample {
  std::int64_t id = 0;  ///< increasing in the order samples were appended
  std::int64_t series = 0;
  std::int64_t t_ms = 0;
  std::string value_json;
};

struct QueueLimits {
  std::int64_t max_rows = 10'000'000;
  std::int64_t max_bytes = 256ll << 20;
};

class SampleQueue {
 public:
  /// Opens (creating and migrating) the queue file; an empty path keeps it in memory (tests).
  static Result<SampleQueue> open(const std::filesystem::path& file, QueueLimits limits);

  /// The id of a series, created on first use (cached). Series without queued samples are
  /// collected at start and by append() whenever their number doubles, so an id is valid until
  /// the append after the one that queued its last sample: ask for it for every batch (the
  /// sampler does, for every sample).
  Result<std::int64_t> series_id(const SeriesKey& key);
  /// The key of a series id; nullptr when unknown.
  const SeriesKey* series(std::int64_t id) const;

  /// Appends in one transaction, then applies the bound (see the file comment).
  Status append(std::span<const NewSample> samples);
  /// Up to `limit` samples with after_id < id <= upto_id, oldest first.
  Result<std::vector<StoredSample>> read(std::int64_t after_id, std::int64_t upto_id,
                                         std::size_t limit);
  /// Deletes acknowledged samples (ids that are gone already are ignored).
  Status remove(std::span<const std::int64_t> ids);

  std::int64_t rows() const noexcept { return rows_; }
  /// The payload bytes the bound counts: per row a fixed overhead plus the value's text.
  std::int64_t bytes() const noexcept { return bytes_; }
  std::int64_t last_id() const noexcept { return last_id_; }
  std::uint64_t thinned() const noexcept { return thinned_; }
  std::uint64_t dropped_oldest() const noexcept { return dropped_oldest_; }
  std::uint64_t appended() const noexcept { return appended_; }
  /// The file's size as SQLite sees it (pages in use and free), for the benchmarks.
  Result<std::int64_t> file_bytes() { return db_.size_bytes(); }
  storage::Database& database() noexcept { return db_; }

  /// Per-row bytes counted besides the value text: id, series, time and SQLite's record and
  /// b-tree cell headers, measured as roughly this much on a filled file (bench/README.md).
  static constexpr std::int64_t kRowOverhead = 24;

 private:
  SampleQueue(storage::Database db, QueueLimits limits) : db_(std::move(db)), limits_(limits) {}
  Status load();
  Status enforce_bounds();
  bool over(double fraction) const;
  Result<std::int64_t> thin_window(std::int64_t until_id);
  Result<std::int64_t> delete_counted(storage::Statement& st);
  Status drop_oldest(std::int64_t n);
  Status recount();
  /// Deletes the series no queued sample refers to, from the file and the maps.
  Status collect_series();

  storage::Database db_;
  QueueLimits limits_;
  std::unordered_map<std::string, std::int64_t> series_ids_;
  std::unordered_map<std::int64_t, SeriesKey> series_keys_;
  /// append() collects unused series once the maps reach this size (then twice what is left,
  /// at least kCollectSeriesAt): keys of devices long gone must not grow them for ever.
  std::size_t next_collect_ = kCollectSeriesAt;
  static constexpr std::size_t kCollectSeriesAt = 4096;
  std::int64_t rows_ = 0;
  std::int64_t bytes_ = 0;
  std::int64_t last_id_ = 0;
  std::uint64_t thinned_ = 0;
  std::uint64_t dropped_oldest_ = 0;
  std::uint64_t appended_ = 0;
};

}  // namespace gxlink::publishers::upstream
