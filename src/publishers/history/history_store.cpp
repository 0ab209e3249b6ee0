// SPDX-License-Identifier: MIT
#include "publishers/history/history_store.hpp"

#include <algorithm>
#include <system_error>

namespace gxlink::publishers::history {
namespace {

constexpr std::int64_t kDay = 86400;

/// Schema version 1. `raw` and `agg` are WITHOUT ROWID tables keyed by series then time, so one
/// series' range is one B-tree range (sqlite.org/withoutrowid.html) and a row costs no extra rowid.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE series(id INTEGER PRIMARY KEY, service TEXT NOT NULL, path TEXT NOT NULL,
                    UNIQUE(service, path));
CREATE TABLE raw(series INTEGER NOT NULL, t INTEGER NOT NULL, v REAL,
                 PRIMARY KEY(series, t)) WITHOUT ROWID;
CREATE TABLE agg(step INTEGER NOT NULL, series INTEGER NOT NULL, t INTEGER NOT NULL,
                 n INTEGER NOT NULL, vmin REAL, vavg REAL, vmax REAL,
                 PRIMARY KEY(step, series, t)) WITHOUT ROWID;
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
)sql";

std::string key_of(std::string_view service, std::string_view path) {
  std::string k;
  k.reserve(service.size() + path.size() + 1);
  k.append(service).push_back('\n');
  k.append(path);
  return k;
}

std::int64_t floor_to(std::int64_t t, std::int64_t step) {
  const std::int64_t q = t / step;
  return (t % step < 0 ? q - 1 : q) * step;
}

std::optional<double> column_number(const storage::Statement& s, int col) {
  if (s.column_type(col) == storage::Statement::Type::kNull) return std::nullopt;
  return s.column_double(col);
}

std::string watermark_key(std::int64_t step) { return "aggregated_until_" + std::to_string(step); }

}  // namespace

std::string_view to_string(Resolution r) noexcept {
  switch (r) {
    case Resolution::kRaw: return "raw";
    case Resolution::kMinute: return "1m";
    case Resolution::kQuarter: return "15m";
  }
  return "raw";
}

std::optional<Resolution> parse_resolution(std::string_view s) noexcept {
  if (s == "raw") return Resolution::kRaw;
  if (s == "1m") return Resolution::kMinute;
  if (s == "15m") return Resolution::kQuarter;
  return std::nullopt;
}

std::int64_t step_of(Resolution r) noexcept {
  switch (r) {
    case Resolution::kRaw: return 0;
    case Resolution::kMinute: return kMinuteStep;
    case Resolution::kQuarter: return kQuarterStep;
  }
  return 0;
}

std::optional<Statistic> parse_statistic(std::string_view s) noexcept {
  if (s == "avg") return Statistic::kAvg;
  if (s == "min") return Statistic::kMin;
  if (s == "max") return Statistic::kMax;
  return std::nullopt;
}

// ---- ExportCursor ------------------------------------------------------------------------------

Result<std::size_t> ExportCursor::next(std::size_t max_rows,
                                       const std::function<void(const ExportRow&)>& row) {
  std::size_t n = 0;
  while (!done_ && n < max_rows) {
    auto more = stmt_.step();
    if (!more) return tl::unexpected(more.error());
    if (!*more) {
      done_ = true;
      break;
    }
    ExportRow r;
    r.service = stmt_.column_text(0);
    r.path = stmt_.column_text(1);
    r.t = stmt_.column_int64(2);
    r.value = column_number(stmt_, 3);
    if (resolution_ != Resolution::kRaw) {
      r.min = column_number(stmt_, 4);
      r.max = column_number(stmt_, 5);
    }
    row(r);
    ++n;
  }
  return n;
}

// ---- HistoryStore ------------------------------------------------------------------------------

Result<HistoryStore> HistoryStore::open(const std::filesystem::path& file, Retention retention) {
  auto db = storage::Database::open(file);
  if (!db) return tl::unexpected(db.error());
  HistoryStore s(std::move(*db), retention);
  if (auto m = s.db_.migrate({kSchemaV1}); !m) return tl::unexpected(m.error());
  // Series whose every row has expired (devices long gone, instances that changed) would stay in
  // the file and the id map for ever; nothing refers to them before prepare_statements().
  if (auto g = s.db_.exec("DELETE FROM series WHERE id NOT IN (SELECT series FROM raw)"
                          " AND id NOT IN (SELECT series FROM agg)");
      !g)
    return tl::unexpected(g.error());
  if (auto p = s.prepare_statements(); !p) return tl::unexpected(p.error());
  return s;
}

Result<HistoryStore> HistoryStore::open_memory(Retention retention) {
  auto db = storage::Database::open_memory();
  if (!db) return tl::unexpected(db.error());
  HistoryStore s(std::move(*db), retention);
  if (auto m = s.db_.migrate({kSchemaV1}); !m) return tl::unexpected(m.error());
  if (auto p = s.prepare_statements(); !p) return tl::unexpected(p.error());
  return s;
}

Result<HistoryStore> HistoryStore::open_existing(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return tl::unexpected(Error(Errc::kIo, file.string() + ": no history file"));
  storage::OpenOptions o;
  o.create = false;
  auto db = storage::Database::open(file, o);
  if (!db) return tl::unexpected(db.error());
  auto version = db->user_version();
  if (!version) return tl::unexpected(version.error());
  if (*version != 1)
    return tl::unexpected(Error(Errc::kUnsupported, file.string() + ": history schema version " +
                                                        std::to_string(*version) + ", expected 1"));
  HistoryStore s(std::move(*db), Retention{});
  s.read_only_ = true;
  // The retention the daemon used is not stored; an export picks from what is there.
  s.retention_ = Retention{.raw_days = 100000, .minute_days = 100000, .quarter_days = 100000};
  return s;
}

Status HistoryStore::prepare_statements() {
  auto ins = db_.prepare("INSERT OR REPLACE INTO raw(series, t, v) VALUES(?1, ?2, ?3)");
  if (!ins) return tl::unexpected(ins.error());
  insert_.emplace(std::move(*ins));
  auto all = db_.prepare("SELECT id, service, path FROM series");
  if (!all) return tl::unexpected(all.error());
  for (;;) {
    auto row = all->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    ids_[key_of(all->column_text(1), all->column_text(2))] = all->column_int64(0);
  }
  return {};
}

Result<std::int64_t> HistoryStore::series_id(std::string_view service, std::string_view path) {
  const auto key = key_of(service, path);
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  auto ins = db_.prepare("INSERT INTO series(service, path) VALUES(?1, ?2)");
  if (!ins) return tl::unexpected(ins.error());
  ins->bind(1, service).bind(2, path);
  if (auto r = ins->run(); !r) return tl::unexpected(r.error());
  const auto id = db_.last_insert_rowid();
  ids_.emplace(key, id);
  return id;
}

std::optional<std::int64_t> HistoryStore::find_series(std::string_view service,
                                                      std::string_view path) const {
  if (auto it = ids_.find(key_of(service, path)); it != ids_.end()) return it->second;
  return std::nullopt;
}

std::vector<SeriesInfo> HistoryStore::series(std::optional<std::string_view> service) const {
  std::vector<SeriesInfo> out;
  for (const auto& [key, id] : ids_) {
    const auto nl = key.find('\n');
    SeriesInfo s{id, key.substr(0, nl), key.substr(nl + 1)};
    if (!service || s.service == *service) out.push_back(std::move(s));
  }
  return out;  // ordered by service, then path (the map's order)
}

Status HistoryStore::append(std::span<const Sample> samples) {
  if (samples.empty()) return {};
  if (read_only_) return tl::unexpected(Error(Errc::kUnsupported, "history opened read-only"));
  auto tx = storage::Transaction::begin(db_);
  if (!tx) {
    ++stats_.write_errors;
    return tl::unexpected(tx.error());
  }
  for (const auto& s : samples) {
    insert_->reset();
    insert_->bind(1, s.series).bind(2, s.t);
    if (s.value)
      insert_->bind(3, *s.value);
    else
      insert_->bind(3, std::nullopt);
    if (auto r = insert_->run(); !r) {
      ++stats_.write_errors;
      return tl::unexpected(r.error());  // the transaction rolls back
    }
  }
  if (auto c = tx->commit(); !c) {
    ++stats_.write_errors;
    return c;
  }
  ++stats_.commits;
  stats_.samples_written += samples.size();
  return {};
}

Result<std::int64_t> HistoryStore::watermark(std::string_view key) {
  auto q = db_.prepare("SELECT value FROM meta WHERE key = ?1");
  if (!q) return tl::unexpected(q.error());
  q->bind(1, key);
  auto row = q->step();
  if (!row) return tl::unexpected(row.error());
  return *row ? q->column_int64(0) : std::int64_t{-1};
}

Status HistoryStore::set_watermark(std::string_view key, std::int64_t t) {
  auto q = db_.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
  if (!q) return tl::unexpected(q.error());
  q->bind(1, key).bind(2, t);
  return q->run();
}

/// One row per (series, bucket) of [from, to). `series IN (SELECT id FROM series)` lets SQLite
/// walk each series' (series, t) key range instead of scanning the whole raw table, which has no
/// index on time alone. A bucket whose samples were all invalid is kept, with n = 0 and NULLs, so
/// the gap survives at the coarser resolution.
Result<std::int64_t> HistoryStore::aggregate(std::int64_t step, std::int64_t from,
                                             std::int64_t to) {
  auto q = db_.prepare(
      "INSERT OR REPLACE INTO agg(step, series, t, n, vmin, vavg, vmax) "
      "SELECT ?1, series, (t / ?1) * ?1, count(v), min(v), avg(v), max(v) FROM raw "
      "WHERE series IN (SELECT id FROM series) AND t >= ?2 AND t < ?3 GROUP BY series, t / ?1");
  if (!q) return tl::unexpected(q.error());
  q->bind(1, step).bind(2, from).bind(3, to);
  if (auto r = q->run(); !r) return tl::unexpected(r.error());
  return db_.changes();
}

std::int64_t HistoryStore::kept_since(Resolution r, std::int64_t now_s) const {
  switch (r) {
    case Resolution::kRaw: return now_s - std::int64_t{retention_.raw_days} * kDay;
    case Resolution::kMinute: return now_s - std::int64_t{retention_.minute_days} * kDay;
    case Resolution::kQuarter: return now_s - std::int64_t{retention_.quarter_days} * kDay;
  }
  return now_s;
}

Result<bool> HistoryStore::maintain(std::int64_t now_s, std::int64_t lag_s,
                                    std::int64_t max_buckets) {
  if (read_only_) return false;
  auto tx = storage::Transaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  bool more = false;
  for (const std::int64_t step : {kMinuteStep, kQuarterStep}) {
    const auto key = watermark_key(step);
    auto wm = watermark(key);
    if (!wm) return tl::unexpected(wm.error());
    const std::int64_t limit = floor_to(now_s - lag_s, step);
    std::int64_t from = *wm;
    // First run, or a stop longer than raw retention: nothing older than raw retention is left.
    const std::int64_t oldest = floor_to(kept_since(Resolution::kRaw, now_s), step);
    if (from < oldest) from = oldest;
    if (from >= limit) {
      if (*wm != from)
        if (auto s = set_watermark(key, from); !s) return tl::unexpected(s.error());
      continue;
    }
    const std::int64_t span = std::max(step, floor_to(max_buckets * kMinuteStep, step));
    const std::int64_t to = std::min(limit, from + span);
    auto n = aggregate(step, from, to);
    if (!n) return tl::unexpected(n.error());
    stats_.aggregate_rows += static_cast<std::uint64_t>(*n);
    if (auto s = set_watermark(key, to); !s) return tl::unexpected(s.error());
    if (to < limit) more = true;
  }
  if (auto e = expire(now_s); !e) return tl::unexpected(e.error());
  if (auto c = tx->commit(); !c) return tl::unexpected(c.error());
  return more;
}

/// Deletes per series (a key range each) for the same reason aggregate() filters by series. Raw
/// rows are only removed once both aggregates have been computed from them.
Status HistoryStore::expire(std::int64_t now_s) {
  auto wm_minute = watermark(watermark_key(kMinuteStep));
  auto wm_quarter = watermark(watermark_key(kQuarterStep));
  if (!wm_minute) return tl::unexpected(wm_minute.error());
  if (!wm_quarter) return tl::unexpected(wm_quarter.error());
  const std::int64_t raw_before =
      std::min({kept_since(Resolution::kRaw, now_s), *wm_minute, *wm_quarter});
  auto del_raw = db_.prepare("DELETE FROM raw WHERE series = ?1 AND t < ?2");
  auto del_agg = db_.prepare("DELETE FROM agg WHERE step = ?1 AND series = ?2 AND t < ?3");
  if (!del_raw) return tl::unexpected(del_raw.error());
  if (!del_agg) return tl::unexpected(del_agg.error());
  for (const auto& [key, id] : ids_) {
    del_raw->reset();
    del_raw->bind(1, id).bind(2, raw_before);
    if (auto r = del_raw->run(); !r) return r;
    stats_.rows_expired += static_cast<std::uint64_t>(db_.changes());
    for (const auto r : {Resolution::kMinute, Resolution::kQuarter}) {
      del_agg->reset();
      del_agg->bind(1, step_of(r)).bind(2, id).bind(3, kept_since(r, now_s));
      if (auto d = del_agg->run(); !d) return d;
      stats_.rows_expired += static_cast<std::uint64_t>(db_.changes());
    }
  }
  return {};
}

Result<QueryResult> HistoryStore::query(std::int64_t series, std::int64_t from, std::int64_t to,
                                        std::size_t max_points, std::int64_t now_s,
                                        Statistic statistic) {
  QueryResult out;
  if (to <= from) return out;
  max_points = std::max<std::size_t>(max_points, 1);
  const std::int64_t range = to - from;
  const auto points = static_cast<std::int64_t>(max_points);
  const std::int64_t wanted = (range + points - 1) / points;  // seconds per point at the cap

  // The finest resolution that is both coarse enough for the cap and still kept for `from`.
  Resolution r = Resolution::kQuarter;
  if (wanted < kMinuteStep && from >= kept_since(Resolution::kRaw, now_s))
    r = Resolution::kRaw;
  else if (wanted < kQuarterStep && from >= kept_since(Resolution::kMinute, now_s))
    r = Resolution::kMinute;
  out.resolution = r;

  const char* raw_stat = statistic == Statistic::kMin   ? "min(v)"
                         : statistic == Statistic::kMax ? "max(v)"
                                                        : "avg(v)";
  auto read_points = [&](storage::Statement& q) -> Status {
    for (;;) {
      auto row = q.step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) return {};
      out.points.push_back({q.column_int64(0), column_number(q, 1)});
    }
  };

  if (r == Resolution::kRaw) {
    auto count = db_.prepare("SELECT count(*) FROM raw WHERE series = ?1 AND t >= ?2 AND t < ?3");
    if (!count) return tl::unexpected(count.error());
    count->bind(1, series).bind(2, from).bind(3, to);
    auto row = count->step();
    if (!row) return tl::unexpected(row.error());
    const std::int64_t rows = *row ? count->column_int64(0) : 0;
    std::string sql;
    if (rows <= points) {
      sql = "SELECT t, v FROM raw WHERE series = ?1 AND t >= ?2 AND t < ?3 ORDER BY t";
    } else {
      out.bucket_s = std::max<std::int64_t>(wanted, 1);
      sql = std::string("SELECT (t / ?4) * ?4, ") + raw_stat +
            " FROM raw WHERE series = ?1 AND t >= ?2 AND t < ?3 GROUP BY t / ?4 ORDER BY 1";
    }
    auto q = db_.prepare(sql);
    if (!q) return tl::unexpected(q.error());
    q->bind(1, series).bind(2, from).bind(3, to);
    if (out.bucket_s) q->bind(4, out.bucket_s);
    if (auto s = read_points(*q); !s) return tl::unexpected(s.error());
    return out;
  }

  const std::int64_t step = step_of(r);
  // Buckets: the resolution's step, or a multiple of it when that still gives too many points.
  const std::int64_t bucket = std::max(step, (wanted + step - 1) / step * step);
  if (bucket > step) out.bucket_s = bucket;
  auto wm = watermark(watermark_key(step));
  if (!wm) return tl::unexpected(wm.error());
  // Aggregated part up to the watermark (rounded down to a bucket, so no bucket comes from both
  // parts), the rest from raw rows grouped the same way.
  const std::int64_t split = std::clamp(floor_to(std::max<std::int64_t>(*wm, 0), bucket), from, to);
  const char* agg_stat = statistic == Statistic::kMin   ? "min(vmin)"
                         : statistic == Statistic::kMax ? "max(vmax)"
                                                        : "sum(vavg * n) / sum(n)";
  if (split > from) {
    auto q = db_.prepare(std::string("SELECT (t / ?5) * ?5, ") + agg_stat +
                         " FROM agg WHERE step = ?4 AND series = ?1 AND t >= ?2 AND t < ?3 "
                         "GROUP BY t / ?5 ORDER BY 1");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, series).bind(2, floor_to(from, step)).bind(3, split).bind(4, step).bind(5, bucket);
    if (auto s = read_points(*q); !s) return tl::unexpected(s.error());
  }
  if (split < to) {
    auto q = db_.prepare(std::string("SELECT (t / ?4) * ?4, ") + raw_stat +
                         " FROM raw WHERE series = ?1 AND t >= ?2 AND t < ?3 "
                         "GROUP BY t / ?4 ORDER BY 1");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, series).bind(2, split).bind(3, to).bind(4, bucket);
    if (auto s = read_points(*q); !s) return tl::unexpected(s.error());
  }
  return out;
}

std::optional<std::int64_t> HistoryStore::oldest(Resolution r) {
  // Per series through its key range: neither table has an index on time alone.
  const std::string sql =
      r == Resolution::kRaw
          ? "SELECT min((SELECT min(t) FROM raw WHERE series = s.id)) FROM series s"
          : "SELECT min((SELECT min(t) FROM agg WHERE step = ?1 AND series = s.id)) FROM series s";
  auto q = db_.prepare(sql);
  if (!q) return std::nullopt;
  if (r != Resolution::kRaw) q->bind(1, step_of(r));
  auto row = q->step();
  if (!row || !*row || q->column_type(0) == storage::Statement::Type::kNull) return std::nullopt;
  return q->column_int64(0);
}

Resolution HistoryStore::export_resolution(std::int64_t from) {
  std::optional<Resolution> best;
  std::int64_t best_oldest = 0;
  for (const auto r : {Resolution::kRaw, Resolution::kMinute, Resolution::kQuarter}) {
    const auto o = oldest(r);
    if (!o) continue;
    // A bucket that starts before `from` still covers it; an aggregate a bucket older is no gain.
    if (*o <= from + step_of(r)) return r;
    if (!best || *o + kQuarterStep < best_oldest) {
      best = r;
      best_oldest = *o;
    }
  }
  return best.value_or(Resolution::kRaw);
}

Result<ExportCursor> HistoryStore::export_rows(std::int64_t from, std::int64_t to, Resolution r,
                                               std::optional<std::string> service) {
  std::optional<storage::Database> own;
  storage::Database* db = &db_;
  if (!db_.file().empty() && !read_only_) {
    // A connection of its own: a WAL reader sees one snapshot and never blocks the writer.
    storage::OpenOptions o;
    o.create = false;
    o.wal = false;  // the file is already in WAL mode; a reader must not change it
    auto opened = storage::Database::open(db_.file(), o);
    if (!opened) return tl::unexpected(opened.error());
    own.emplace(std::move(*opened));
    db = &*own;
  }
  std::string sql;
  if (r == Resolution::kRaw) {
    sql =
        "SELECT s.service, s.path, x.t, x.v FROM series s JOIN raw x ON x.series = s.id "
        "WHERE x.t >= ?1 AND x.t < ?2";
  } else {
    sql =
        "SELECT s.service, s.path, x.t, x.vavg, x.vmin, x.vmax FROM series s "
        "JOIN agg x ON x.step = ?4 AND x.series = s.id WHERE x.t >= ?1 AND x.t < ?2";
  }
  if (service) sql += " AND s.service = ?3";
  sql += " ORDER BY s.service, s.path, x.t";
  auto stmt = db->prepare(sql);
  if (!stmt) return tl::unexpected(stmt.error());
  stmt->bind(1, from).bind(2, to);
  if (service) stmt->bind(3, std::string_view(*service));
  if (r != Resolution::kRaw) stmt->bind(4, step_of(r));
  return ExportCursor(std::move(own), std::move(*stmt), r);
}

Result<std::int64_t> HistoryStore::count_rows(std::int64_t from, std::int64_t to, Resolution r,
                                              const std::optional<std::string>& service) {
  std::string sql = r == Resolution::kRaw
                        ? "SELECT count(*) FROM raw WHERE series IN (SELECT id FROM series%) "
                          "AND t >= ?1 AND t < ?2"
                        : "SELECT count(*) FROM agg WHERE step = ?4 AND series IN "
                          "(SELECT id FROM series%) AND t >= ?1 AND t < ?2";
  sql.replace(sql.find('%'), 1, service ? " WHERE service = ?3" : "");
  auto q = db_.prepare(sql);
  if (!q) return tl::unexpected(q.error());
  q->bind(1, from).bind(2, to);
  if (service) q->bind(3, std::string_view(*service));
  if (r != Resolution::kRaw) q->bind(4, step_of(r));
  auto row = q->step();
  if (!row) return tl::unexpected(row.error());
  return *row ? q->column_int64(0) : 0;
}

std::int64_t HistoryStore::disk_bytes() const {
  if (db_.file().empty()) return 0;
  std::error_code ec;
  std::int64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    const auto n = std::filesystem::file_size(db_.file().string() + suffix, ec);
    if (!ec) total += static_cast<std::int64_t>(n);
  }
  return total;
}

}  // namespace gxlink::publishers::history
