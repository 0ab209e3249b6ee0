// SPDX-License-Identifier: MIT
// The shared SQLite layer (src/storage): migrations, binds, transactions, and the errors a user
// meets on disk (a file that is not a database, a schema from a newer gxlink).
#include "storage/sqlite_db.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

namespace gxlink::storage {
namespace {

namespace fs = std::filesystem;

class SqliteDb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gxlink-sqlite-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

constexpr std::string_view kV1 = "CREATE TABLE sample(t INTEGER NOT NULL, v REAL, s TEXT)";
constexpr std::string_view kV2 = "CREATE INDEX sample_t ON sample(t)";

TEST_F(SqliteDb, MigratesOnceAndKeepsDataAcrossReopen) {
  const fs::path file = dir_ / "h.db";
  {
    auto db = Database::open(file);
    ASSERT_TRUE(db) << db.error().message();
    ASSERT_TRUE(db->migrate({kV1, kV2}));
    EXPECT_EQ(*db->user_version(), 2);
    auto insert = db->prepare("INSERT INTO sample(t, v, s) VALUES (?, ?, ?)");
    ASSERT_TRUE(insert);
    ASSERT_TRUE(insert->bind(1, std::int64_t{1700000000}).bind(2, 12.5).bind(3, "Bulk").run());
    insert->reset();
    ASSERT_TRUE(insert->bind(1, 1700000001).bind(2, std::nullopt).bind(3, std::nullopt).run());
    EXPECT_EQ(db->last_insert_rowid(), 2);
  }
  auto db = Database::open(file);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate({kV1, kV2}));  // already at 2: nothing re-runs (CREATE would fail)
  auto select = db->prepare("SELECT t, v, s FROM sample ORDER BY t");
  ASSERT_TRUE(select);
  ASSERT_TRUE(*select->step());
  EXPECT_EQ(select->column_int64(0), 1700000000);
  EXPECT_DOUBLE_EQ(select->column_double(1), 12.5);
  EXPECT_EQ(select->column_text(2), "Bulk");
  ASSERT_TRUE(*select->step());
  EXPECT_EQ(select->column_type(1), Statement::Type::kNull);
  EXPECT_FALSE(*select->step());
}

TEST_F(SqliteDb, NewerSchemaIsRefused) {
  auto db = Database::open(dir_ / "h.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate({kV1, kV2}));
  auto older = db->migrate({kV1});
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().code, Errc::kUnsupported);
}

TEST_F(SqliteDb, FailedMigrationStepLeavesTheLastGoodVersion) {
  auto db = Database::open(dir_ / "h.db");
  ASSERT_TRUE(db);
  auto s = db->migrate({kV1, "CREATE TABLE broken(", kV2});
  ASSERT_FALSE(s);
  EXPECT_EQ(*db->user_version(), 1);
}

TEST_F(SqliteDb, AFileThatIsNotADatabaseFailsAtOpen) {
  const fs::path file = dir_ / "junk.db";
  std::ofstream(file) << std::string(4096, 'x');
  auto db = Database::open(file);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, Errc::kBadFormat);
  EXPECT_NE(db.error().detail.find("junk.db"), std::string::npos);
}

TEST_F(SqliteDb, MissingDirectoryIsAnErrorNotACrash) {
  auto db = Database::open(dir_ / "no" / "such" / "dir.db");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, Errc::kIo);
}

TEST_F(SqliteDb, TransactionRollsBackUnlessCommitted) {
  auto db = Database::open_memory();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate({kV1}));
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db->exec("INSERT INTO sample(t) VALUES (1)"));
  }  // no commit
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db->exec("INSERT INTO sample(t) VALUES (2)"));
    ASSERT_TRUE(tx->commit());
  }
  auto count = db->prepare("SELECT group_concat(t) FROM sample");
  ASSERT_TRUE(count);
  ASSERT_TRUE(*count->step());
  EXPECT_EQ(count->column_text(0), "2");
}

TEST_F(SqliteDb, BindErrorIsReportedByStep) {
  auto db = Database::open_memory();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate({kV1}));
  auto insert = db->prepare("INSERT INTO sample(t) VALUES (?)");
  ASSERT_TRUE(insert);
  auto r = insert->bind(1, 5).bind(7, 1.0).step();  // parameter 7 does not exist
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kOutOfRange);
  insert->reset();
  EXPECT_TRUE(insert->bind(1, 5).run());  // usable again after reset
}

TEST_F(SqliteDb, ConstraintViolationIsAnError) {
  auto db = Database::open_memory();
  ASSERT_TRUE(db);
  auto s = db->exec("CREATE TABLE k(id INTEGER PRIMARY KEY); INSERT INTO k VALUES (1)");
  ASSERT_TRUE(s);
  auto dup = db->exec("INSERT INTO k VALUES (1)");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kOutOfRange);
}

TEST_F(SqliteDb, SizeBytesGrowsWithData) {
  auto db = Database::open(dir_ / "h.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate({kV1}));
  const auto before = *db->size_bytes();
  auto insert = db->prepare("INSERT INTO sample(t, s) VALUES (?, ?)");
  ASSERT_TRUE(insert);
  auto tx = Transaction::begin(*db);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(insert->bind(1, i).bind(2, std::string(64, 'a')).run());
    insert->reset();
  }
  ASSERT_TRUE(tx->commit());
  ASSERT_TRUE(db->checkpoint());
  EXPECT_GT(*db->size_bytes(), before);
}

}  // namespace
}  // namespace gxlink::storage

namespace gxlink::storage {
namespace {

// The page cache has a fixed ceiling, so a long-running daemon's memory does not creep up as the
// file grows (issue 11 soak); a too-small request is raised to a useful floor.
TEST(SqliteDbCache, PageCacheIsBoundedAsConfigured) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("gxlink-sqlite-cache-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const auto& [asked, expected] : {std::pair{512, -512}, std::pair{1, -64}}) {
    OpenOptions o;
    o.cache_kib = asked;
    auto db = Database::open(dir / "c.db", o);
    ASSERT_TRUE(db) << db.error().message();
    auto q = db->prepare("PRAGMA cache_size");
    ASSERT_TRUE(q);
    ASSERT_TRUE(*q->step());
    EXPECT_EQ(q->column_int64(0), expected);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gxlink::storage
