#include "store/migrator.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "store/migrations.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace pushgate::store {
namespace {

using testing::QueryInt;
using testing::TempDir;

class MigratorTest : public ::testing::Test {
 protected:
  std::unique_ptr<SQLite::Database> OpenDb() {
    return std::make_unique<SQLite::Database>(dir_.path() + "/m.db",
                                              SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  }
  static bool TableExists(SQLite::Database& db, const std::string& name) {
    return QueryInt(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" +
                            name + "'") == 1;
  }
  TempDir dir_;
};

int NewestEmbedded() {
  int newest = 0;
  for (const Migration& m : EmbeddedMigrations()) newest = std::max(newest, m.version);
  return newest;
}

TEST_F(MigratorTest, FreshDatabaseGetsEveryEmbeddedMigration) {
  auto db = OpenDb();
  absl::StatusOr<int> version = ApplyMigrations(*db, EmbeddedMigrations());
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_GE(*version, 1);
  EXPECT_EQ(*version, NewestEmbedded());
  EXPECT_EQ(*SchemaVersion(*db), *version);
  EXPECT_TRUE(TableExists(*db, "registrations"));
  EXPECT_TRUE(TableExists(*db, "notifications"));
}

TEST_F(MigratorTest, ReapplyingIsANoOpThatKeepsData) {
  auto db = OpenDb();
  ASSERT_TRUE(ApplyMigrations(*db, EmbeddedMigrations()).ok());
  db->exec(
      "INSERT INTO notifications (app_id, uid, type, payload, received_at, next_attempt_at, "
      "updated_at) VALUES ('a', 'u', 'chat', '{}', 1, 1, 1)");
  db.reset();
  auto reopened = OpenDb();
  absl::StatusOr<int> version = ApplyMigrations(*reopened, EmbeddedMigrations());
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, NewestEmbedded());
  EXPECT_EQ(QueryInt(*reopened, "SELECT count(*) FROM notifications"), 1);
}

TEST_F(MigratorTest, AppliesOnlyNewerMigrationsInVersionOrder) {
  auto db = OpenDb();
  // Given out of order on purpose: 2 depends on 1.
  std::vector<Migration> migrations = {
      {2, "0002_b", "CREATE TABLE b (x INTEGER REFERENCES a(x)); INSERT INTO b VALUES (1);"},
      {1, "0001_a", "CREATE TABLE a (x INTEGER PRIMARY KEY); INSERT INTO a VALUES (1);"},
  };
  ASSERT_EQ(*ApplyMigrations(*db, {migrations[1]}), 1);
  absl::StatusOr<int> version = ApplyMigrations(*db, migrations);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 2);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM a"), 1);  // 0001 did not run twice
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM b"), 1);
}

TEST_F(MigratorTest, NewerDatabaseIsRefusedWithClearMessage) {
  auto db = OpenDb();
  db->exec("PRAGMA user_version = 7");
  std::vector<Migration> migrations = {{1, "0001_a", "CREATE TABLE a (x);"},
                                       {2, "0002_b", "CREATE TABLE b (x);"}};
  absl::StatusOr<int> version = ApplyMigrations(*db, migrations);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(version.status().message(),
            "database schema version 7 is newer than this pushgate supports (2); upgrade "
            "pushgate or use another data_dir");
  EXPECT_FALSE(TableExists(*db, "a"));
  EXPECT_EQ(*SchemaVersion(*db), 7);
}

TEST_F(MigratorTest, FailingMigrationRollsBackCompletely) {
  auto db = OpenDb();
  std::vector<Migration> migrations = {
      {1, "0001_a", "CREATE TABLE a (x);"},
      // Creates a table and a row, then fails: none of it may remain.
      {2, "0002_broken", "CREATE TABLE b (x); INSERT INTO b VALUES (1); CREATE TABLEX c (x);"},
      {3, "0003_c", "CREATE TABLE c (x);"},
  };
  absl::StatusOr<int> version = ApplyMigrations(*db, migrations);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(version.status().message().find("0002_broken"), std::string::npos) << version.status();
  EXPECT_EQ(*SchemaVersion(*db), 1);
  EXPECT_TRUE(TableExists(*db, "a"));
  EXPECT_FALSE(TableExists(*db, "b"));
  EXPECT_FALSE(TableExists(*db, "c"));
  // Not stuck in a transaction: the connection still works and a fixed list applies.
  migrations[1].sql = "CREATE TABLE b (x);";
  version = ApplyMigrations(*db, migrations);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 3);
}

TEST_F(MigratorTest, DuplicateVersionsAreRejected) {
  auto db = OpenDb();
  std::vector<Migration> migrations = {{1, "0001_a", "CREATE TABLE a (x);"},
                                       {1, "0001_b", "CREATE TABLE b (x);"}};
  absl::StatusOr<int> version = ApplyMigrations(*db, migrations);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(*SchemaVersion(*db), 0);
}

TEST_F(MigratorTest, StoreOpenRefusesNewerDatabase) {
  config::Config config = testing::TestConfig(dir_.path());
  std::filesystem::create_directories(config.data_dir);
  {
    SQLite::Database db(config.DatabasePath(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 99");
  }
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(SqliteStoreOptionsFrom(config));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("database schema version 99 is newer"), std::string::npos)
      << store.status();
}

TEST_F(MigratorTest, StoreOpenFailsCleanlyOnABrokenSchema) {
  // Claims to be current but has no tables: Open gets past the migrations and fails later,
  // and must hand back an error rather than crash while discarding the half-built store.
  config::Config config = testing::TestConfig(dir_.path());
  std::filesystem::create_directories(config.data_dir);
  {
    SQLite::Database db(config.DatabasePath(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = " + std::to_string(NewestEmbedded()));
  }
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(SqliteStoreOptionsFrom(config));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInternal) << store.status();
}

TEST_F(MigratorTest, StoreOpenCreatesDataDirAndPrivateDatabaseFile) {
  config::Config config = testing::TestConfig(dir_.path());
  config.data_dir = dir_.path() + "/nested/data";
  auto store = testing::OpenOrDie(config);
  struct stat st {};
  ASSERT_EQ(::stat(config.DatabasePath().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_EQ(::stat(config.data_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700);
  EXPECT_TRUE(store->CheckWritable().ok());
}

TEST_F(MigratorTest, StoreOpenRejectsUnknownSynchronousSetting) {
  config::Config config = testing::TestConfig(dir_.path());
  config.store.synchronous = "off";
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(SqliteStoreOptionsFrom(config));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pushgate::store
