// SPDX-License-Identifier: MIT
#pragma once
/// A thin RAII layer over the SQLite C API (libsqlite3), shared by every part of gxlink that keeps
/// data on disk: the history store and the upstream store-and-forward queue. Written here rather
/// than taking a C++ wrapper because Debian 12 packages none that is kept up (sqlite-modern-cpp and
/// SQLiteCpp are not in bookworm), and the part we need is small: open, migrate, prepare, bind,
/// step, transactions, with errors as values (STYLE.md rule 5) instead of exceptions.
///
/// Threading: a Database and its Statements belong to one thread (the daemon's loop, or a worker
/// that owns them); SQLite is opened with SQLITE_OPEN_NOMUTEX accordingly.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gxlink::storage {

using Status = Result<void>;

class Statement;

struct OpenOptions {
  bool create = true;  ///< create the file if it does not exist
  /// How long a write waits for another connection's lock before failing with kBusy.
  std::chrono::milliseconds busy_timeout{2000};
  /// Write-ahead log + synchronous=NORMAL: a crash or power cut loses at most the last
  /// transactions, never the file (sqlite.org/wal.html), and writes do not fsync each commit,
  /// which matters on SD cards.
  bool wal = true;
  /// The page cache's ceiling per connection, in KiB. SQLite's default (2000 KiB) fills slowly as
  /// the file grows, so a daemon's memory would keep rising for hours; a small fixed bound keeps
  /// it flat (issue 11 soak) at a cost only to large queries, which the OS page cache serves.
  int cache_kib = 512;
};

class Database {
 public:
  /// Opens (or creates) a database file. Errors name the file and SQLite's message.
  static Result<Database> open(const std::filesystem::path& file, const OpenOptions& options = {});
  /// A private in-memory database (tests, and stores configured without a data_dir).
  static Result<Database> open_memory();

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  /// Runs one or more SQL statements that return no rows we need.
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);

  /// Schema migrations: `steps[i]` brings the schema from version i to i+1 (PRAGMA user_version).
  /// Steps already applied are skipped; each pending one runs in its own transaction, so a
  /// failure leaves the file at the last good version. A file newer than `steps` is refused
  /// (kUnsupported) rather than written by code that does not know its schema.
  Status migrate(std::initializer_list<std::string_view> steps);
  Result<int> user_version();

  std::int64_t last_insert_rowid() const;
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;
  /// page_count × page_size: the main file's size as SQLite sees it (without the WAL).
  Result<std::int64_t> size_bytes();
  /// Empties the WAL into the main file (wal_checkpoint(TRUNCATE)), e.g. after a large delete.
  Status checkpoint();

  /// The file this database was opened from; empty for an in-memory one.
  const std::filesystem::path& file() const { return file_; }
  sqlite3* handle() const { return db_; }

 private:
  Database(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}
  Error error(std::string_view what) const;

  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
};

/// A prepared statement. Parameters are 1-based (SQLite's convention); columns are 0-based.
class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  /// The text is copied (SQLITE_TRANSIENT), so a temporary may be passed.
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, std::nullopt_t);
  /// A blob (copied).
  Statement& bind_blob(int index, std::string_view bytes);

  /// Advances: true when a row is ready, false when done. A bind error made earlier is reported
  /// here, so a chain of binds needs one check.
  Result<bool> step();
  /// Runs a statement that returns no rows to completion.
  Status run();
  /// Ready for the next step/bind round; bindings are cleared.
  void reset();

  enum class Type { kInteger, kFloat, kText, kBlob, kNull };
  Type column_type(int column) const;
  std::int64_t column_int64(int column) const;
  double column_double(int column) const;
  std::string_view column_text(int column) const;  ///< valid until the next step/reset
  int column_count() const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  void note_bind(int rc);

  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  int bind_error_ = 0;  ///< first SQLite error code from a bind, reported by step()
};

/// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless commit() succeeded. IMMEDIATE
/// takes the write lock up front, so a busy database fails at begin, not half-way.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace gxlink::storage
