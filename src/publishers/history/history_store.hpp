// SPDX-License-Identifier: MIT
#pragma once
/// The history store (issue 15 item 4): a SQLite time series of chosen model paths, kept at three
/// resolutions with their own retention, on the shared storage layer (storage/sqlite_db.hpp).
///
/// - raw: one row per stored sample (the recorder decides what is stored: on change, at most once
///   per interval, beyond a deadband; history_recorder.hpp); kept `raw_days`;
/// - per minute and per 15 minutes: min/avg/max/count of the raw samples in each bucket, kept
///   `minute_days` and `quarter_days`. They are computed from raw rows once a bucket is complete
///   (maintain()), so a long range is read from few rows and survives raw retention.
///
/// Time is an input (STYLE.md rule 7): every call takes Unix seconds; nothing here reads a clock,
/// so downsampling and retention test deterministically. A value is a double or "invalid" (NULL
/// in SQLite, `null` in JSON: the device was gone), so a plot shows a gap where data was missing.
///
/// Threading: one thread (the daemon's loop). Writes are batched by the caller into one
/// transaction per append() (WAL + synchronous=NORMAL: no fsync per sample or per commit).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "storage/sqlite_db.hpp"

namespace gxlink::publishers::history {

using storage::Status;

/// How long each resolution is kept, in days.
struct Retention {
  // Defaults sized for an SD card: at most about 110 MB for the demo's 78 series
  // (bench/README.md "History").
  int raw_days = 2;
  int minute_days = 7;
  int quarter_days = 180;
};

/// Seconds per bucket of the two aggregate resolutions.
inline constexpr std::int64_t kMinuteStep = 60;
inline constexpr std::int64_t kQuarterStep = 900;

enum class Resolution { kRaw, kMinute, kQuarter };
/// "raw", "1m", "15m"
std::string_view to_string(Resolution r) noexcept;
std::optional<Resolution> parse_resolution(std::string_view s) noexcept;
std::int64_t step_of(Resolution r) noexcept;  ///< 0 for raw

/// Which statistic of an aggregate bucket a query returns.
enum class Statistic { kAvg, kMin, kMax };
std::optional<Statistic> parse_statistic(std::string_view s) noexcept;

struct Sample {
  std::int64_t series = 0;
  std::int64_t t = 0;           ///< Unix seconds
  std::optional<double> value;  ///< nullopt: invalid (a gap)
};

struct Point {
  std::int64_t t = 0;
  std::optional<double> value;
};

struct SeriesInfo {
  std::int64_t id = 0;
  std::string service;
  std::string path;
};

struct QueryResult {
  Resolution resolution = Resolution::kRaw;
  std::int64_t bucket_s = 0;  ///< points were averaged into buckets this wide; 0: as stored
  std::vector<Point> points;
};

/// One row of an export (raw: min = max = nullopt).
struct ExportRow {
  std::string_view service;
  std::string_view path;
  std::int64_t t = 0;
  std::optional<double> value;
  std::optional<double> min;
  std::optional<double> max;
};

struct StoreStats {
  std::uint64_t samples_written = 0;
  std::uint64_t commits = 0;
  std::uint64_t write_errors = 0;
  std::uint64_t aggregate_rows = 0;  ///< minute + quarter rows written by maintain()
  std::uint64_t rows_expired = 0;    ///< rows removed by retention
};

class HistoryStore;

/// Streams export rows in (service, path, time) order, a bounded number per call, so an export of
/// many days never sits in memory at once. Owns its own read connection when the store is a file
/// (WAL: the daemon's writes go on while an export is read).
class ExportCursor {
 public:
  ExportCursor(ExportCursor&&) noexcept = default;
  ExportCursor& operator=(ExportCursor&&) noexcept = default;
  /// Calls `row` for up to `max_rows` rows; returns how many it delivered (0: done).
  Result<std::size_t> next(std::size_t max_rows, const std::function<void(const ExportRow&)>& row);
  Resolution resolution() const { return resolution_; }

 private:
  friend class HistoryStore;
  ExportCursor(std::optional<storage::Database> own, storage::Statement stmt, Resolution r)
      : own_(std::move(own)), stmt_(std::move(stmt)), resolution_(r) {}
  std::optional<storage::Database> own_;  // declared first: destroyed after the statement
  storage::Statement stmt_;
  Resolution resolution_;
  bool done_ = false;
};

class HistoryStore {
 public:
  /// Opens (or creates) `file`, migrating its schema. Errors name the file.
  static Result<HistoryStore> open(const std::filesystem::path& file, Retention retention = {});
  /// In memory (tests; a daemon without a usable data_dir).
  static Result<HistoryStore> open_memory(Retention retention = {});
  /// Opens an existing file only to read it (`gxlink export`); never creates or migrates it.
  static Result<HistoryStore> open_existing(const std::filesystem::path& file);

  HistoryStore(HistoryStore&&) noexcept = default;
  HistoryStore& operator=(HistoryStore&&) noexcept = default;

  /// The id of (service, path), created on first use.
  Result<std::int64_t> series_id(std::string_view service, std::string_view path);
  /// The id if the series exists.
  std::optional<std::int64_t> find_series(std::string_view service, std::string_view path) const;
  std::vector<SeriesInfo> series(std::optional<std::string_view> service = std::nullopt) const;

  /// Writes samples in one transaction. A sample at the same second as a stored one of its series
  /// replaces it.
  Status append(std::span<const Sample> samples);

  /// Aggregates every complete bucket that ends at or before `now_s - lag_s` (lag: samples still
  /// buffered by the recorder), at most `max_buckets` minute buckets per call so a backlog after a
  /// long stop is worked off in steps; then applies retention. Returns true when more is pending.
  Result<bool> maintain(std::int64_t now_s, std::int64_t lag_s = 30,
                        std::int64_t max_buckets = 360);

  /// Points of one series in [from, to). `max_points` caps the answer: the resolution is picked so
  /// that the range needs about that many buckets (raw when the samples are dense enough, then
  /// minutes, then quarters, each only while it is kept), and buckets are averaged further when
  /// the chosen resolution would still give more. The part of the range not yet aggregated is
  /// computed from raw rows, so a range that ends now has no hole at its end.
  Result<QueryResult> query(std::int64_t series, std::int64_t from, std::int64_t to,
                            std::size_t max_points, std::int64_t now_s,
                            Statistic statistic = Statistic::kAvg);

  /// The resolution an export from `from` uses when none is asked for: the finest one whose rows
  /// reach back to `from`; when none does, the one that reaches furthest back (finer on a tie).
  /// Decided from the data, not the retention, so `gxlink export` (which does not know the
  /// daemon's retention) chooses as the HTTP export does.
  Resolution export_resolution(std::int64_t from);
  /// The oldest stored time at a resolution; nullopt when it has no rows.
  std::optional<std::int64_t> oldest(Resolution r);
  /// Rows of [from, to) at `r`, for every series or those of one service.
  Result<ExportCursor> export_rows(std::int64_t from, std::int64_t to, Resolution r,
                                   std::optional<std::string> service);
  /// How many rows export_rows would give (for a progress bar).
  Result<std::int64_t> count_rows(std::int64_t from, std::int64_t to, Resolution r,
                                  const std::optional<std::string>& service);

  const Retention& retention() const { return retention_; }
  const StoreStats& stats() const { return stats_; }
  /// Bytes on disk (main file + WAL); 0 in memory.
  std::int64_t disk_bytes() const;
  storage::Database& database() { return db_; }

 private:
  HistoryStore(storage::Database db, Retention retention)
      : db_(std::move(db)), retention_(retention) {}
  Status prepare_statements();
  Result<std::int64_t> watermark(std::string_view key);
  Status set_watermark(std::string_view key, std::int64_t t);
  Result<std::int64_t> aggregate(std::int64_t step, std::int64_t from, std::int64_t to);
  Status expire(std::int64_t now_s);
  std::int64_t kept_since(Resolution r, std::int64_t now_s) const;

  storage::Database db_;
  Retention retention_;
  bool read_only_ = false;
  std::optional<storage::Statement> insert_;
  std::map<std::string, std::int64_t, std::less<>> ids_;  ///< "service\npath" → id
  StoreStats stats_;
};

}  // namespace gxlink::publishers::history
