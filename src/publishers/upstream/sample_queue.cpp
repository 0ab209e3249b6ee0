// SPDX-License-Identifier: MIT
#include "publishers/upstream/sample_queue.hpp"

#include <algorithm>

namespace gxlink::publishers::upstream {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr double kLowWater = 0.9;

std::string key_text(const SeriesKey& k) {
  return k.type + '\x1f' + std::to_string(k.instance) + '\x1f' + k.path;
}

}  // namespace

Result<SampleQueue> SampleQueue::open(const std::filesystem::path& file, QueueLimits limits) {
  auto db = file.empty() ? storage::Database::open_memory() : storage::Database::open(file);
  if (!db) return tl::unexpected(db.error());
  SampleQueue q(std::move(*db), limits);
  // Version 1. `series` keeps each (type, instance, path) once, so a row is four numbers and the
  // value's text (bench/README.md "Upstream queue": bytes per hour offline).
  auto migrated = q.db_.migrate({
      "CREATE TABLE series (id INTEGER PRIMARY KEY, type TEXT NOT NULL, instance INTEGER NOT NULL,"
      " path TEXT NOT NULL, UNIQUE (type, instance, path));"
      "CREATE TABLE sample (id INTEGER PRIMARY KEY AUTOINCREMENT, series INTEGER NOT NULL,"
      " t_ms INTEGER NOT NULL, value TEXT NOT NULL);",
  });
  if (!migrated) return tl::unexpected(migrated.error());
  if (auto ok = q.load(); !ok) return tl::unexpected(ok.error());
  return q;
}

Status SampleQueue::load() {
  // Series of samples that were sent meanwhile would otherwise stay in the file for ever.
  if (auto ok = db_.exec("DELETE FROM series WHERE id NOT IN (SELECT series FROM sample)"); !ok)
    return ok;
  auto st = db_.prepare("SELECT id, type, instance, path FROM series");
  if (!st) return tl::unexpected(st.error());
  for (;;) {
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    SeriesKey k{std::string(st->column_text(1)), st->column_int64(2),
                std::string(st->column_text(3))};
    const auto id = st->column_int64(0);
    series_ids_[key_text(k)] = id;
    series_keys_[id] = std::move(k);
  }
  if (auto ok = recount(); !ok) return ok;
  // AUTOINCREMENT: ids never go back, even after the queue has been emptied, so the senders'
  // "after this id" cursors stay valid across deletes (sqlite.org/autoinc.html).
  auto seq = db_.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'sample'");
  if (!seq) return tl::unexpected(seq.error());
  auto row = seq->step();
  if (!row) return tl::unexpected(row.error());
  if (*row) last_id_ = std::max(last_id_, seq->column_int64(0));
  return {};
}

Status SampleQueue::recount() {
  auto st = db_.prepare(
      "SELECT count(*), coalesce(sum(length(value)), 0), coalesce(max(id), 0)"
      " FROM sample");
  if (!st) return tl::unexpected(st.error());
  auto row = st->step();
  if (!row) return tl::unexpected(row.error());
  rows_ = st->column_int64(0);
  bytes_ = st->column_int64(1) + rows_ * kRowOverhead;
  last_id_ = std::max(last_id_, st->column_int64(2));
  return {};
}

Status SampleQueue::collect_series() {
  auto st =
      db_.prepare("DELETE FROM series WHERE id NOT IN (SELECT series FROM sample) RETURNING id");
  if (!st) return tl::unexpected(st.error());
  for (;;) {
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    const auto id = st->column_int64(0);
    if (auto k = series_keys_.find(id); k != series_keys_.end()) {
      series_ids_.erase(key_text(k->second));
      series_keys_.erase(k);
    }
  }
  next_collect_ = std::max(kCollectSeriesAt, 2 * series_ids_.size());
  return {};
}

Result<std::int64_t> SampleQueue::series_id(const SeriesKey& key) {
  const auto text = key_text(key);
  if (auto it = series_ids_.find(text); it != series_ids_.end()) return it->second;
  auto st = db_.prepare("INSERT INTO series (type, instance, path) VALUES (?1, ?2, ?3)");
  if (!st) return tl::unexpected(st.error());
  st->bind(1, key.type).bind(2, key.instance).bind(3, key.path);
  if (auto ok = st->run(); !ok) return tl::unexpected(ok.error());
  const auto id = db_.last_insert_rowid();
  series_ids_.emplace(text, id);
  series_keys_.emplace(id, key);
  return id;
}

const SeriesKey* SampleQueue::series(std::int64_t id) const {
  auto it = series_keys_.find(id);
  return it == series_keys_.end() ? nullptr : &it->second;
}

Status SampleQueue::append(std::span<const NewSample> samples) {
  if (samples.empty()) return {};
  {
    auto tx = storage::Transaction::begin(db_);
    if (!tx) return tl::unexpected(tx.error());
    auto st = db_.prepare("INSERT INTO sample (series, t_ms, value) VALUES (?1, ?2, ?3)");
    if (!st) return tl::unexpected(st.error());
    for (const auto& s : samples) {
      st->bind(1, s.series).bind(2, s.t_ms).bind(3, std::string_view(s.value_json));
      if (auto ok = st->run(); !ok) return ok;
      st->reset();
      last_id_ = db_.last_insert_rowid();
      ++rows_;
      bytes_ += kRowOverhead + static_cast<std::int64_t>(s.value_json.size());
    }
    if (auto ok = tx->commit(); !ok) {
      (void)recount();  // the rows were rolled back
      return ok;
    }
  }
  appended_ += samples.size();
  if (auto ok = enforce_bounds(); !ok) return ok;
  // Here, not in series_id(): every id handed out for this batch is now referenced by a row.
  if (series_ids_.size() >= next_collect_) return collect_series();
  return {};
}

Result<std::vector<StoredSample>> SampleQueue::read(std::int64_t after_id, std::int64_t upto_id,
                                                    std::size_t limit) {
  std::vector<StoredSample> out;
  if (limit == 0 || upto_id <= after_id) return out;
  auto st = db_.prepare(
      "SELECT id, series, t_ms, value FROM sample WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3");
  if (!st) return tl::unexpected(st.error());
  st->bind(1, after_id).bind(2, upto_id).bind(3, static_cast<std::int64_t>(limit));
  out.reserve(std::min<std::size_t>(limit, 4096));
  for (;;) {
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    out.push_back({st->column_int64(0), st->column_int64(1), st->column_int64(2),
                   std::string(st->column_text(3))});
  }
  return out;
}

Status SampleQueue::remove(std::span<const std::int64_t> ids) {
  if (ids.empty()) return {};
  auto tx = storage::Transaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  // RETURNING gives the size of what actually went, so the byte count stays exact when an id
  // was thinned away while it was in flight.
  auto st = db_.prepare("DELETE FROM sample WHERE id = ?1 RETURNING length(value)");
  if (!st) return tl::unexpected(st.error());
  std::int64_t rows = 0, bytes = 0;
  for (auto id : ids) {
    st->bind(1, id);
    for (;;) {
      auto row = st->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      ++rows;
      bytes += kRowOverhead + st->column_int64(0);
    }
    st->reset();
  }
  if (auto ok = tx->commit(); !ok) return ok;
  rows_ -= rows;
  bytes_ -= bytes;
  return {};
}

bool SampleQueue::over(double fraction) const {
  return static_cast<double>(rows_) > fraction * static_cast<double>(limits_.max_rows) ||
         static_cast<double>(bytes_) > fraction * static_cast<double>(limits_.max_bytes);
}

Result<std::int64_t> SampleQueue::delete_counted(storage::Statement& st) {
  // RETURNING gives each deleted row's size, so rows_/bytes_ stay exact without a full-table
  // recount after every thinning pass (a 10-million-row scan on an SD card is seconds).
  std::int64_t rows = 0;
  for (;;) {
    auto row = st.step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    ++rows;
    bytes_ -= kRowOverhead + st.column_int64(0);
  }
  rows_ -= rows;
  return rows;
}

Result<std::int64_t> SampleQueue::thin_window(std::int64_t until_id) {
  // Every other sample of each series among ids <= until_id: row_number() counts per series in
  // append order, and the even ones go (SQLite window functions, sqlite.org/windowfunctions.html),
  // except each series' last one in the window, so the newest value of a series is never thinned.
  auto st = db_.prepare(
      "DELETE FROM sample WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER w AS n,"
      " count(*) OVER (PARTITION BY series) AS total FROM sample WHERE id <= ?1"
      " WINDOW w AS (PARTITION BY series ORDER BY id)) WHERE n % 2 = 0 AND n < total)"
      " RETURNING length(value)");
  if (!st) return tl::unexpected(st.error());
  st->bind(1, until_id);
  return delete_counted(*st);
}

Status SampleQueue::drop_oldest(std::int64_t n) {
  auto st = db_.prepare(
      "DELETE FROM sample WHERE id IN (SELECT id FROM sample ORDER BY id LIMIT ?1)"
      " RETURNING length(value)");
  if (!st) return tl::unexpected(st.error());
  st->bind(1, n);
  auto dropped = delete_counted(*st);
  if (!dropped) return tl::unexpected(dropped.error());
  dropped_oldest_ += static_cast<std::uint64_t>(*dropped);
  return {};
}

Status SampleQueue::enforce_bounds() {
  if (!over(1.0)) return {};
  // At most a few passes: each one frees about what is needed, or widens to the whole queue.
  bool whole_queue = false;
  for (int pass = 0; pass < 8 && over(kLowWater); ++pass) {
    const double avg = rows_ > 0 ? static_cast<double>(bytes_) / static_cast<double>(rows_) : 1;
    const auto need = std::max<std::int64_t>(
        {1, rows_ - static_cast<std::int64_t>(kLowWater * static_cast<double>(limits_.max_rows)),
         static_cast<std::int64_t>(
             (static_cast<double>(bytes_) - kLowWater * static_cast<double>(limits_.max_bytes)) /
             avg) +
             1});
    // The window: the oldest hour, or the oldest 2 × need rows if that is more (thinning half of
    // them frees `need`); after a pass that freed nothing, the whole queue.
    std::int64_t until_id = last_id_;
    if (!whole_queue) {
      auto first = db_.prepare("SELECT t_ms FROM sample ORDER BY id LIMIT 1");
      if (!first) return tl::unexpected(first.error());
      auto r = first->step();
      if (!r) return tl::unexpected(r.error());
      if (!*r) return {};
      const auto hour_end = first->column_int64(0) + kHourMs;
      // Ids follow append order, which is time order save for a back-dated sample, so the scan
      // stops at the first row past the hour instead of reading the table.
      auto past = db_.prepare("SELECT id FROM sample WHERE t_ms >= ?1 ORDER BY id LIMIT 1");
      if (!past) return tl::unexpected(past.error());
      past->bind(1, hour_end);
      auto p = past->step();
      if (!p) return tl::unexpected(p.error());
      const std::int64_t hour_last = *p ? past->column_int64(0) - 1 : last_id_;
      auto nth = db_.prepare("SELECT id FROM sample ORDER BY id LIMIT 1 OFFSET ?1");
      if (!nth) return tl::unexpected(nth.error());
      nth->bind(1, 2 * need - 1);
      auto q = nth->step();
      if (!q) return tl::unexpected(q.error());
      const std::int64_t count_last = *q ? nth->column_int64(0) : last_id_;
      until_id = std::max(hour_last, count_last);
    }
    auto thinned = thin_window(until_id);
    if (!thinned) return tl::unexpected(thinned.error());
    thinned_ += static_cast<std::uint64_t>(*thinned);
    if (*thinned == 0) {
      if (until_id >= last_id_) {
        // Every series is down to one sample: the oldest rows go (counted), never the new ones.
        if (auto ok = drop_oldest(need); !ok) return ok;
      }
      whole_queue = true;
    }
  }
  return {};
}

}  // namespace gxlink::publishers::upstream
