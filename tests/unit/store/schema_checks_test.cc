// The CHECK constraints after migration 0006 (IN lists rewritten as OR chains): they accept every
// name the code writes, refuse anything else, hold on a database migrated with rows in it, and
// no longer make SQLite build a temporary table for every row written.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/delivery_queue.h"
#include "store/migrations.h"
#include "store/migrator.h"
#include "store/types.h"
#include "store_test_util.h"

namespace pushgate::store {
namespace {

using testing::QueryInt;
using testing::TempDir;

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

class SchemaChecksTest : public ::testing::Test {
 protected:
  SchemaChecksTest() : db_(dir_.path() + "/s.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {}

  void Migrate(int up_to = 1 << 30) {
    std::vector<Migration> migrations;
    for (const Migration& m : EmbeddedMigrations()) {
      if (m.version <= up_to) migrations.push_back(m);
    }
    absl::StatusOr<int> version = ApplyMigrations(db_, migrations);
    ASSERT_TRUE(version.ok()) << version.status();
  }

  // True when SQLite accepts the statement; a CHECK failure is the only error expected.
  bool Accepts(const std::string& sql) {
    try {
      db_.exec(sql);
      return true;
    } catch (const SQLite::Exception& e) {
      EXPECT_NE(std::string(e.what()).find("CHECK constraint failed"), std::string::npos)
          << sql << ": " << e.what();
      return false;
    }
  }

  bool AcceptsRegistration(const std::string& platform, const std::string& environment,
                           const std::string& active) {
    return Accepts(
        "INSERT INTO registrations (app_id, uid, session_id, platform, token, apns_environment, "
        "created_at, updated_at, active) VALUES ('app', 'u', 's', " +
        platform + ", 'tok-' || (SELECT count(*) FROM registrations), " + environment + ", 1, 1, " +
        active + ")");
  }
  bool AcceptsNotification(const std::string& type, const std::string& state) {
    return Accepts(
        "INSERT INTO notifications (app_id, uid, type, payload, received_at, next_attempt_at, "
        "updated_at, state) VALUES ('app', 'u', " +
        type + ", '{}', 1, 1, 1, " + state + ")");
  }
  bool AcceptsDelivery(const std::string& channel, const std::string& state) {
    return Accepts(
        "INSERT INTO deliveries (notification_id, registration_id, channel, state, "
        "next_attempt_at, created_at, updated_at) VALUES ((SELECT count(*) FROM deliveries), 1, " +
        channel + ", " + state + ", 1, 1, 1)");
  }

  // How many temporary B-trees SQLite's program for `sql` opens.
  int EphemeralTables(const std::string& sql) {
    SQLite::Statement explain(db_, "EXPLAIN " + sql);
    int n = 0;
    while (explain.executeStep()) n += explain.getColumn(1).getString() == "OpenEphemeral";
    return n;
  }

  TempDir dir_;
  SQLite::Database db_;
};

TEST_F(SchemaChecksTest, EveryNameTheCodeWritesIsAcceptedAndNothingElse) {
  Migrate();
  for (Platform p : {Platform::kApns, Platform::kApnsVoip, Platform::kFcm, Platform::kWebPush}) {
    EXPECT_TRUE(AcceptsRegistration(Quoted(PlatformName(p)), "NULL", "1")) << PlatformName(p);
  }
  EXPECT_TRUE(AcceptsRegistration("'apns'", "'sandbox'", "0"));
  EXPECT_TRUE(AcceptsRegistration("'apns'", "'production'", "1"));
  EXPECT_FALSE(AcceptsRegistration("'sms'", "NULL", "1"));
  EXPECT_FALSE(AcceptsRegistration("'APNS'", "NULL", "1"));
  EXPECT_FALSE(AcceptsRegistration("'apns'", "'development'", "1"));
  EXPECT_FALSE(AcceptsRegistration("'apns'", "NULL", "2"));

  for (NotificationState s :
       {NotificationState::kQueued, NotificationState::kDispatching, NotificationState::kDone}) {
    EXPECT_TRUE(AcceptsNotification("'chat'", Quoted(NotificationStateName(s))));
  }
  EXPECT_TRUE(AcceptsNotification("'call'", "'queued'"));
  EXPECT_FALSE(AcceptsNotification("'sms'", "'queued'"));
  EXPECT_FALSE(AcceptsNotification("'chat'", "'sending'"));

  for (Channel c : {Channel::kApns, Channel::kApnsVoip, Channel::kFcm, Channel::kWebPush,
                    Channel::kWebhook, Channel::kLog}) {
    EXPECT_TRUE(AcceptsDelivery(Quoted(ChannelName(c)), "'pending'")) << ChannelName(c);
  }
  for (DeliveryState s :
       {DeliveryState::kPending, DeliveryState::kSending, DeliveryState::kDelivered,
        DeliveryState::kRetryWait, DeliveryState::kFailed, DeliveryState::kSkipped}) {
    EXPECT_TRUE(AcceptsDelivery("'apns'", Quoted(DeliveryStateName(s)))) << DeliveryStateName(s);
  }
  EXPECT_FALSE(AcceptsDelivery("'sms'", "'pending'"));
  EXPECT_FALSE(AcceptsDelivery("'apns'", "'done'"));
  EXPECT_FALSE(AcceptsDelivery("'apns'", "'Sending'"));
  // An update is checked as well (the settle writes the state).
  EXPECT_FALSE(Accepts("UPDATE deliveries SET state = 'lost' WHERE id = 1"));
  EXPECT_TRUE(Accepts("UPDATE deliveries SET state = 'delivered' WHERE id = 1"));
}

TEST_F(SchemaChecksTest, RowsWrittenBeforeTheMigrationStayAndStillSatisfyTheChecks) {
  Migrate(5);
  ASSERT_TRUE(AcceptsRegistration("'fcm'", "NULL", "1"));
  ASSERT_TRUE(AcceptsNotification("'call'", "'dispatching'"));
  ASSERT_TRUE(AcceptsDelivery("'webhook'", "'retry_wait'"));
  Migrate();
  EXPECT_GE(*SchemaVersion(db_), 6);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM registrations WHERE platform = 'fcm'"), 1);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM notifications WHERE state = 'dispatching'"), 1);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM deliveries WHERE state = 'retry_wait'"), 1);
  SQLite::Statement check(db_, "PRAGMA integrity_check");
  ASSERT_TRUE(check.executeStep());
  EXPECT_EQ(check.getColumn(0).getString(), "ok");
  // This connection ran the migration and enforces the rewritten checks at once.
  EXPECT_FALSE(AcceptsDelivery("'apns'", "'unknown'"));
  // The migration's scratch tables are gone.
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'migration_0006%'"),
            0);
}

// A schema that does not read as the migration expects (here a channel list edited by hand)
// fails the whole migration: nothing of it stays, and the error says what did not hold.
TEST_F(SchemaChecksTest, UnexpectedSchemaFailsTheMigrationAndLeavesEverythingAsItWas) {
  Migrate(5);
  db_.exec(
      "PRAGMA writable_schema = ON; "
      "UPDATE sqlite_schema SET sql = replace(sql, '''log'')', '''log'', ''sms'')') "
      "WHERE type = 'table' AND name = 'deliveries'; "
      "PRAGMA writable_schema = RESET;");
  absl::StatusOr<int> version = ApplyMigrations(db_, EmbeddedMigrations());
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.status().message().find("every_in_list_rewritten"), absl::string_view::npos)
      << version.status();
  EXPECT_EQ(*SchemaVersion(db_), 5);
  // registrations, notifications and deliveries all keep their IN lists.
  EXPECT_EQ(QueryInt(db_,
                     "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                     "instr(sql, ' IN (') > 0"),
            3);
  EXPECT_TRUE(AcceptsDelivery("'sms'", "'pending'"));  // the hand-edited list still applies
}

// The writes of every push: none may make SQLite build a temporary B-tree for a CHECK.
TEST_F(SchemaChecksTest, WritingARowBuildsNoTemporaryTable) {
  Migrate();
  EXPECT_EQ(EphemeralTables("INSERT INTO notifications (app_id, uid, type, payload, received_at, "
                            "next_attempt_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            0);
  EXPECT_EQ(EphemeralTables("UPDATE notifications SET state = ?2, lease_until = ?3, "
                            "next_attempt_at = ?4, updated_at = ?5 WHERE id = ?1"),
            0);
  EXPECT_EQ(EphemeralTables("INSERT INTO deliveries (notification_id, registration_id, channel, "
                            "state, next_attempt_at, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
            0);
  EXPECT_EQ(EphemeralTables("UPDATE deliveries SET state = ?2, updated_at = ?3 WHERE id = ?1"), 0);
  EXPECT_EQ(EphemeralTables("INSERT INTO registrations (app_id, uid, session_id, platform, token, "
                            "apns_environment, created_at, updated_at, active) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            0);
}

}  // namespace
}  // namespace pushgate::store
