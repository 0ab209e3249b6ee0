// SPDX-License-Identifier: MIT
#include "storage/sqlite_db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <utility>

namespace gxlink::storage {
namespace {

Errc errc_of(int rc) {
  switch (rc & 0xff) {  // primary result code (sqlite.org/rescode.html)
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Errc::kBusy;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return Errc::kOutOfRange;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Errc::kBadFormat;
    default:
      return Errc::kIo;
  }
}

}  // namespace

// ---- Database ----------------------------------------------------------------------------------

Result<Database> Database::open(const std::filesystem::path& file, const OpenOptions& options) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = file.string() + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);  // sqlite3_open_v2 may hand back a handle even on failure
    return tl::unexpected(Error(errc_of(rc), std::move(detail)));
  }
  Database out(db, file);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // A file that is not a database is only noticed on first read: read the schema now so that
  // open() reports it, not the first insert minutes later.
  if (auto version = out.user_version(); !version) {
    Error e = version.error();
    e.detail = file.string() + ": " + e.detail;
    return tl::unexpected(std::move(e));
  }
  if (options.wal) {
    if (auto s = out.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s)
      return tl::unexpected(s.error());
  }
  // A negative cache_size is a size in KiB (sqlite.org/pragma.html#pragma_cache_size).
  if (auto s = out.exec("PRAGMA cache_size=-" + std::to_string(std::max(options.cache_kib, 64)));
      !s)
    return tl::unexpected(s.error());
  return out;
}

Result<Database> Database::open_memory() {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(":memory:", &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);
    return tl::unexpected(Error(errc_of(rc), std::string(":memory: ") + sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db, 1);
  return Database(db, {});
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), file_(std::move(other.file_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    file_ = std::move(other.file_);
  }
  return *this;
}

Database::~Database() {
  // close_v2 defers the close until the last statement is finalized, so destruction order
  // between a Database and its Statements does not matter.
  sqlite3_close_v2(db_);
}

Error Database::error(std::string_view what) const {
  const int rc = db_ ? sqlite3_extended_errcode(db_) : SQLITE_MISUSE;
  std::string detail(what);
  if (!file_.empty()) detail = file_.string() + ": " + detail;
  detail += ": ";
  detail += db_ ? sqlite3_errmsg(db_) : "database not open";
  return Error(errc_of(rc), std::move(detail));
}

Status Database::exec(std::string_view sql) {
  if (!db_) return tl::unexpected(error("exec"));
  const std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    if (!file_.empty()) detail = file_.string() + ": " + detail;
    return tl::unexpected(Error(errc_of(rc), std::move(detail)));
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  if (!db_) return tl::unexpected(error("prepare"));
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(error("prepare"));
  if (stmt == nullptr) return tl::unexpected(Error(Errc::kBadFormat, "prepare: empty statement"));
  return Statement(stmt, db_);
}

Result<int> Database::user_version() {
  auto stmt = prepare("PRAGMA user_version");
  if (!stmt) return tl::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return tl::unexpected(row.error());
  return *row ? static_cast<int>(stmt->column_int64(0)) : 0;
}

Status Database::migrate(std::initializer_list<std::string_view> steps) {
  auto version = user_version();
  if (!version) return tl::unexpected(version.error());
  const int known = static_cast<int>(steps.size());
  if (*version > known) {
    return tl::unexpected(Error(Errc::kUnsupported,
                                file_.string() + ": schema version " + std::to_string(*version) +
                                    " is newer than this gxlink knows (" + std::to_string(known) +
                                    ")"));
  }
  int at = 0;
  for (std::string_view step : steps) {
    ++at;
    if (at <= *version) continue;
    auto tx = Transaction::begin(*this);
    if (!tx) return tl::unexpected(tx.error());
    if (auto s = exec(step); !s) return s;
    // PRAGMA takes no bound parameters; `at` is our own small integer.
    if (auto s = exec("PRAGMA user_version=" + std::to_string(at)); !s) return s;
    if (auto s = tx->commit(); !s) return s;
  }
  return {};
}

std::int64_t Database::last_insert_rowid() const {
  return db_ ? sqlite3_last_insert_rowid(db_) : 0;
}

std::int64_t Database::changes() const { return db_ ? sqlite3_changes64(db_) : 0; }

Result<std::int64_t> Database::size_bytes() {
  auto stmt = prepare(
      "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
  if (!stmt) return tl::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return tl::unexpected(row.error());
  return *row ? stmt->column_int64(0) : 0;
}

Status Database::checkpoint() { return exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

// ---- Statement ---------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(other.db_),
      bind_error_(std::exchange(other.bind_error_, 0)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
    bind_error_ = std::exchange(other.bind_error_, 0);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::note_bind(int rc) {
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

Statement& Statement::bind(int index, std::int64_t value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, double value) {
  note_bind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  note_bind(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  note_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  note_bind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  return *this;
}

Result<bool> Statement::step() {
  if (bind_error_ != 0) {
    const int rc = std::exchange(bind_error_, 0);
    return tl::unexpected(Error(errc_of(rc), std::string("bind: ") + sqlite3_errstr(rc)));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string detail = std::string("step: ") + sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);  // leaves the statement usable for the next attempt
  return tl::unexpected(Error(errc_of(rc), std::move(detail)));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = 0;
}

Statement::Type Statement::column_type(int column) const {
  switch (sqlite3_column_type(stmt_, column)) {
    case SQLITE_INTEGER:
      return Type::kInteger;
    case SQLITE_FLOAT:
      return Type::kFloat;
    case SQLITE_TEXT:
      return Type::kText;
    case SQLITE_BLOB:
      return Type::kBlob;
    default:
      return Type::kNull;
  }
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view Statement::column_text(int column) const {
  // Call order per sqlite.org/c3ref/column_blob.html: text first, then bytes.
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }

// ---- Transaction -------------------------------------------------------------------------------

Result<Transaction> Transaction::begin(Database& db) {
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return tl::unexpected(s.error());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
  if (!db_) return tl::unexpected(Error(Errc::kUnsupported, "transaction already finished"));
  auto s = db_->exec("COMMIT");
  if (s) db_ = nullptr;  // a failed COMMIT is rolled back by the destructor
  return s;
}

}  // namespace gxlink::storage
