#include "store/migrator.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

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
      "INSERT INTO notifications (app_id, uid, type, received_at, next_attempt_at, "
      "updated_at) VALUES ('a', 'u', 'chat', 1, 1, 1)");
  db.reset();
  auto reopened = OpenDb();
  absl::StatusOr<int> version = ApplyMigrations(*reopened, EmbeddedMigrations());
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, NewestEmbedded());
  EXPECT_EQ(QueryInt(*reopened, "SELECT count(*) FROM notifications"), 1);
}

// 0006 moves the webhook body out of the notifications row: a database written before it keeps
// every notification where the queue had it (state, lease, due time), with its body intact.
TEST_F(MigratorTest, PayloadsMoveOutAndTheQueueKeepsItsState) {
  auto db = OpenDb();
  std::vector<Migration> before_0006;
  for (const Migration& m : EmbeddedMigrations()) {
    if (m.version < 6) before_0006.push_back(m);
  }
  ASSERT_EQ(*ApplyMigrations(*db, before_0006), 5);
  db->exec(
      "INSERT INTO notifications (id, app_id, uid, type, dedupe_hash, payload, received_at, "
      "state, outcome, next_attempt_at, lease_until, updated_at) VALUES "
      "(7, 'a', 'u1', 'chat', 11, '{\"queued\":1}', 100, 'queued', NULL, 100, NULL, 100), "
      "(8, 'a', 'u2', 'call', 12, '{\"leased\":2}', 200, 'dispatching', NULL, 900, 900, 250), "
      "(9, 'b', 'u3', 'chat', NULL, '{\"done\":3}', 300, 'done', 'delivered', 350, NULL, 350)");

  ASSERT_EQ(*ApplyMigrations(*db, EmbeddedMigrations()), NewestEmbedded());
  EXPECT_EQ(QueryInt(*db,
                     "SELECT count(*) FROM pragma_table_info('notifications') "
                     "WHERE name = 'payload'"),
            0);
  SQLite::Statement rows(*db,
                         "SELECT n.id, n.state, coalesce(n.outcome, ''), n.next_attempt_at, "
                         "coalesce(n.lease_until, 0), n.updated_at, coalesce(n.dedupe_hash, 0), "
                         "p.payload FROM notifications n "
                         "JOIN notification_payloads p ON p.notification_id = n.id ORDER BY n.id");
  std::vector<std::string> got;
  while (rows.executeStep()) {
    std::string row;
    for (int i = 0; i < rows.getColumnCount(); ++i) {
      row += rows.getColumn(i).getString() + (i + 1 < rows.getColumnCount() ? "|" : "");
    }
    got.push_back(row);
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "7|queued||100|0|100|11|{\"queued\":1}",
                     "8|dispatching||900|900|250|12|{\"leased\":2}",
                     "9|done|delivered|350|0|350|0|{\"done\":3}",
                 }));
  // A body goes with its notification, whoever deletes it.
  db->exec("DELETE FROM notifications WHERE id = 9");
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notification_payloads WHERE notification_id = 9"),
            0);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notification_payloads"), 2);
  // The claim's index still serves the live rows only.
  EXPECT_EQ(QueryInt(*db,
                     "SELECT count(*) FROM notifications INDEXED BY notifications_due "
                     "WHERE state != 'done'"),
            2);
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
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(config);
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
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(config);
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
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(config);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pushgate::store
