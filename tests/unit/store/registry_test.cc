// The token registry's semantics, on a real database file.
#include <gtest/gtest.h>

#include <algorithm>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace pushgate::store {
namespace {

using testing::Await;
using testing::MakeRegistration;
using testing::Register;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() { store_ = testing::OpenOrDie(config_); }

  std::vector<Registration> List(const std::string& uid, bool active_only = false, int limit = 100,
                                 int64_t before_id = 0) {
    ListTokensQuery q;
    q.app_id = "app1";
    q.uid = uid;
    q.active_only = active_only;
    q.limit = limit;
    q.before_id = before_id;
    absl::StatusOr<std::vector<Registration>> rows = store_->ListTokens(q);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : std::vector<Registration>{};
  }

  // The registration holding `token` (any state), from the owner's list.
  std::optional<Registration> Find(const std::string& uid, const std::string& token) {
    for (const Registration& r : List(uid)) {
      if (r.input.token == token) return r;
    }
    return std::nullopt;
  }

  int EndToken(const std::string& token, std::optional<Platform> platform, int64_t now) {
    absl::StatusOr<int> n = Await<int>([&](Callback<int> done) {
      return store_->UnregisterToken("app1", token, platform, now, std::move(done));
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  }
  int EndSession(const std::string& uid, const std::string& session, int64_t now) {
    absl::StatusOr<int> n = Await<int>([&](Callback<int> done) {
      return store_->UnregisterSession("app1", uid, session, now, std::move(done));
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  }
  int EndUser(const std::string& uid, int64_t now) {
    absl::StatusOr<int> n = Await<int>([&](Callback<int> done) {
      return store_->UnregisterUser("app1", uid, now, std::move(done));
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  }

  testing::TempDir dir_;
  config::Config config_ = testing::TestConfig(dir_.path());
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(RegistryTest, FirstRegistrationCreatesRowWithAllFields) {
  RegistrationInput in = MakeRegistration("alice", "s1", Platform::kApns, "aa01");
  in.device.device_id = "iphone-1";
  in.device.app_version = "4.2";
  in.device.locale = "de-CH";
  in.device.labels = {{"tier", "gold"}, {"beta", "yes"}};
  absl::StatusOr<RegisterResult> r = Register(*store_, in, 1000);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->created);
  EXPECT_FALSE(r->moved);
  const Registration& reg = r->registration;
  EXPECT_GT(reg.id, 0);
  EXPECT_TRUE(reg.active);
  EXPECT_EQ(reg.inactive_reason, InactiveReason::kNone);
  EXPECT_EQ(reg.created_at_ms, 1000);
  EXPECT_EQ(reg.updated_at_ms, 1000);
  EXPECT_EQ(reg.inactive_at_ms, 0);
  EXPECT_EQ(reg.input.app_id, "app1");
  EXPECT_EQ(reg.input.uid, "alice");
  EXPECT_EQ(reg.input.session_id, "s1");
  EXPECT_EQ(reg.input.platform, Platform::kApns);
  EXPECT_EQ(reg.input.token, "aa01");
  EXPECT_EQ(reg.input.apns_topic, "com.example.chat");
  EXPECT_EQ(reg.input.apns_environment, "sandbox");
  EXPECT_EQ(reg.input.device.device_id, "iphone-1");
  EXPECT_EQ(reg.input.device.app_version, "4.2");
  EXPECT_EQ(reg.input.device.locale, "de-CH");
  EXPECT_EQ(reg.input.device.labels, in.device.labels);

  // The list reads the same row back from a reader connection.
  std::vector<Registration> listed = List("alice");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, reg.id);
  EXPECT_EQ(listed[0].input.device.labels, in.device.labels);
  EXPECT_EQ(listed[0].input.apns_environment, "sandbox");
}

TEST_F(RegistryTest, RegisteringAgainRefreshesInPlace) {
  RegistrationInput in = MakeRegistration("alice", "s1", Platform::kFcm, "tok");
  in.fcm_os = "android";
  absl::StatusOr<RegisterResult> first = Register(*store_, in, 1000);
  ASSERT_TRUE(first.ok());
  in.device.app_version = "5.0";
  absl::StatusOr<RegisterResult> again = Register(*store_, in, 2000);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_FALSE(again->moved);
  EXPECT_EQ(again->registration.id, first->registration.id);
  EXPECT_EQ(again->registration.created_at_ms, 1000);
  EXPECT_EQ(again->registration.updated_at_ms, 2000);
  EXPECT_EQ(again->registration.input.device.app_version, "5.0");
  EXPECT_EQ(again->registration.input.fcm_os, "android");
  EXPECT_EQ(List("alice").size(), 1u);
}

TEST_F(RegistryTest, TokenMovesToAnotherUserOrSession) {
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kFcm, "tok"), 1000).ok());

  absl::StatusOr<RegisterResult> other_session =
      Register(*store_, MakeRegistration("alice", "s2", Platform::kFcm, "tok"), 2000);
  ASSERT_TRUE(other_session.ok());
  EXPECT_TRUE(other_session->moved);
  EXPECT_FALSE(other_session->created);
  EXPECT_EQ(other_session->registration.input.session_id, "s2");

  absl::StatusOr<RegisterResult> other_user =
      Register(*store_, MakeRegistration("bob", "b1", Platform::kFcm, "tok"), 3000);
  ASSERT_TRUE(other_user.ok());
  EXPECT_TRUE(other_user->moved);
  EXPECT_FALSE(other_user->created);
  EXPECT_EQ(other_user->registration.id, other_session->registration.id);
  EXPECT_TRUE(List("alice").empty());  // the row now belongs to bob
  ASSERT_EQ(List("bob").size(), 1u);
  EXPECT_TRUE(List("bob")[0].active);
}

TEST_F(RegistryTest, SameTokenOnAnotherPlatformIsAnotherRegistration) {
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kApns, "t"), 1).ok());
  absl::StatusOr<RegisterResult> voip =
      Register(*store_, MakeRegistration("alice", "s1", Platform::kApnsVoip, "t"), 2);
  ASSERT_TRUE(voip.ok());
  EXPECT_TRUE(voip->created);
  EXPECT_EQ(List("alice", /*active_only=*/true).size(), 2u);
}

TEST_F(RegistryTest, NewTokenForSessionAndPlatformReplacesTheOldOne) {
  auto old_tok = Register(*store_, MakeRegistration("alice", "s1", Platform::kApns, "old"), 1000);
  auto other_platform =
      Register(*store_, MakeRegistration("alice", "s1", Platform::kFcm, "fcm"), 1000);
  auto other_session =
      Register(*store_, MakeRegistration("alice", "s2", Platform::kApns, "other"), 1000);
  ASSERT_TRUE(old_tok.ok() && other_platform.ok() && other_session.ok());

  auto refreshed = Register(*store_, MakeRegistration("alice", "s1", Platform::kApns, "new"), 2000);
  ASSERT_TRUE(refreshed.ok());
  EXPECT_TRUE(refreshed->created);

  std::optional<Registration> old_row = Find("alice", "old");
  ASSERT_TRUE(old_row.has_value());
  EXPECT_FALSE(old_row->active);
  EXPECT_EQ(old_row->inactive_reason, InactiveReason::kReplaced);
  EXPECT_EQ(old_row->inactive_at_ms, 2000);
  EXPECT_EQ(old_row->updated_at_ms, 2000);
  EXPECT_TRUE(Find("alice", "fcm")->active);    // other platform untouched
  EXPECT_TRUE(Find("alice", "other")->active);  // other session untouched
  EXPECT_TRUE(Find("alice", "new")->active);
}

TEST_F(RegistryTest, ReRegisteringAnEndedTokenReactivatesIt) {
  auto first = Register(*store_, MakeRegistration("alice", "s1", Platform::kApns, "t"), 1000);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(EndToken("t", std::nullopt, 1500), 1);
  auto again = Register(*store_, MakeRegistration("alice", "s1", Platform::kApns, "t"), 2000);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_FALSE(again->moved);
  EXPECT_TRUE(again->registration.active);
  EXPECT_EQ(again->registration.inactive_reason, InactiveReason::kNone);
  EXPECT_EQ(again->registration.inactive_at_ms, 0);
}

TEST_F(RegistryTest, CapRetiresLeastRecentlyUpdated) {
  config_.registry.max_registrations_per_user = 3;
  store_.reset();
  Open();
  // Separate sessions so that no registration replaces another.
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kFcm, "t1"), 1000).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s2", Platform::kFcm, "t2"), 2000).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s3", Platform::kFcm, "t3"), 3000).ok());
  // t1 is refreshed, so t2 becomes the least recently updated.
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kFcm, "t1"), 4000).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("bob", "b1", Platform::kFcm, "b"), 4500).ok());
  auto fourth = Register(*store_, MakeRegistration("alice", "s4", Platform::kFcm, "t4"), 5000);
  ASSERT_TRUE(fourth.ok());
  EXPECT_TRUE(fourth->registration.active);

  std::optional<Registration> t2 = Find("alice", "t2");
  ASSERT_TRUE(t2.has_value());
  EXPECT_FALSE(t2->active);
  EXPECT_EQ(t2->inactive_reason, InactiveReason::kCapExceeded);
  EXPECT_EQ(t2->inactive_at_ms, 5000);
  std::vector<Registration> active = List("alice", /*active_only=*/true);
  std::vector<std::string> tokens;
  for (const Registration& r : active) tokens.push_back(r.input.token);
  std::sort(tokens.begin(), tokens.end());
  EXPECT_EQ(tokens, (std::vector<std::string>{"t1", "t3", "t4"}));
  EXPECT_TRUE(Find("bob", "b")->active);  // another user's rows do not count
}

TEST_F(RegistryTest, CapNeverRetiresTheRegistrationJustMade) {
  config_.registry.max_registrations_per_user = 1;
  store_.reset();
  Open();
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kFcm, "t1"), 9000).ok());
  // An older clock than the existing row's: the new one is still the one kept.
  auto second = Register(*store_, MakeRegistration("alice", "s2", Platform::kFcm, "t2"), 1000);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->registration.active);
  EXPECT_EQ(Find("alice", "t1")->inactive_reason, InactiveReason::kCapExceeded);
}

TEST_F(RegistryTest, UnregisterTokenEndsEveryPlatformOrOne) {
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kApns, "t"), 1).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kFcm, "t"), 1).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kWebPush, "t"), 1).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kApnsVoip, "u"), 1).ok());

  EXPECT_EQ(EndToken("t", Platform::kWebPush, 10), 1);
  EXPECT_EQ(EndToken("t", Platform::kWebPush, 11), 0);
  EXPECT_EQ(EndToken("t", std::nullopt, 20), 2);
  EXPECT_EQ(EndToken("t", std::nullopt, 21), 0);  // repeating is harmless
  EXPECT_EQ(EndToken("nope", std::nullopt, 22), 0);

  for (const Registration& r : List("alice")) {
    if (r.input.token == "u") {
      EXPECT_TRUE(r.active);
      continue;
    }
    EXPECT_FALSE(r.active);
    EXPECT_EQ(r.inactive_reason, InactiveReason::kUnregistered);
    EXPECT_EQ(r.inactive_at_ms, r.input.platform == Platform::kWebPush ? 10 : 20);
    EXPECT_EQ(r.updated_at_ms, r.inactive_at_ms);
  }
}

TEST_F(RegistryTest, UnregisterSessionEndsOnlyThatSession) {
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kApns, "a"), 1).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kFcm, "b"), 1).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s2", Platform::kFcm, "c"), 1).ok());
  EXPECT_EQ(EndSession("alice", "s1", 50), 2);
  EXPECT_EQ(EndSession("alice", "s1", 51), 0);
  EXPECT_EQ(Find("alice", "a")->inactive_reason, InactiveReason::kSessionEnded);
  EXPECT_EQ(Find("alice", "b")->inactive_at_ms, 50);
  EXPECT_TRUE(Find("alice", "c")->active);
}

TEST_F(RegistryTest, UnregisterUserEndsAllOfThatUser) {
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s1", Platform::kApns, "a"), 1).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("alice", "s2", Platform::kFcm, "b"), 1).ok());
  ASSERT_TRUE(Register(*store_, MakeRegistration("bob", "s3", Platform::kFcm, "c"), 1).ok());
  EXPECT_EQ(EndUser("alice", 70), 2);
  EXPECT_EQ(EndUser("alice", 71), 0);
  for (const Registration& r : List("alice")) {
    EXPECT_FALSE(r.active);
    EXPECT_EQ(r.inactive_reason, InactiveReason::kUserDeleted);
    EXPECT_EQ(r.inactive_at_ms, 70);
  }
  EXPECT_TRUE(Find("bob", "c")->active);
}

TEST_F(RegistryTest, ListIsNewestFirstPagedAndFiltered) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = Register(
        *store_,
        MakeRegistration("alice", "s" + std::to_string(i), Platform::kFcm, "t" + std::to_string(i)),
        100 + i);
    ASSERT_TRUE(r.ok());
    ids.push_back(r->registration.id);
  }
  ASSERT_TRUE(Register(*store_, MakeRegistration("bob", "x", Platform::kFcm, "bt"), 1).ok());
  ASSERT_EQ(EndSession("alice", "s3", 200), 1);
  ASSERT_EQ(EndSession("alice", "s1", 200), 1);

  std::vector<Registration> page1 = List("alice", false, 2);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0].id, ids[4]);
  EXPECT_EQ(page1[1].id, ids[3]);
  std::vector<Registration> page2 = List("alice", false, 2, page1.back().id);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0].id, ids[2]);
  EXPECT_EQ(page2[1].id, ids[1]);
  std::vector<Registration> page3 = List("alice", false, 2, page2.back().id);
  ASSERT_EQ(page3.size(), 1u);
  EXPECT_EQ(page3[0].id, ids[0]);
  EXPECT_TRUE(List("alice", false, 2, page3.back().id).empty());

  std::vector<Registration> active = List("alice", /*active_only=*/true);
  ASSERT_EQ(active.size(), 3u);
  EXPECT_EQ(active[0].id, ids[4]);
  EXPECT_EQ(active[1].id, ids[2]);
  EXPECT_EQ(active[2].id, ids[0]);
  EXPECT_EQ(List("alice", true, 1, ids[4]).at(0).id, ids[2]);
  EXPECT_TRUE(List("carol").empty());
}

TEST_F(RegistryTest, LabelsWithInvalidUtf8AreStoredNotRefused) {
  RegistrationInput in = MakeRegistration("alice", "s1", Platform::kFcm, "t");
  in.device.labels = {{"name", std::string("bad\xff byte")}};
  absl::StatusOr<RegisterResult> r = Register(*store_, in, 1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->registration.input.device.labels.at("name"), "bad\xef\xbf\xbd byte");
}

TEST_F(RegistryTest, FailedRegistrationLeavesNothingBehind) {
  // apns_environment has a CHECK constraint: the insert fails after nothing else was written,
  // and the job's error is its own (INTERNAL), not a database outage.
  RegistrationInput bad = MakeRegistration("alice", "s1", Platform::kApns, "t");
  bad.apns_environment = "staging";
  absl::StatusOr<RegisterResult> r = Register(*store_, bad, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(List("alice").empty());
  EXPECT_TRUE(store_->Stats().last_commit_ok);
}

}  // namespace
}  // namespace pushgate::store
