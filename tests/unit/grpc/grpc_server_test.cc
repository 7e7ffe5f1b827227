// The services end to end: a real server on 127.0.0.1:0, real stubs, an in-memory store.
#include "grpc/grpc_server.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "fake_store.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/registration_validation.h"
#include "gtest/gtest.h"
#include "pushgate/v1/deliveries.grpc.pb.h"
#include "pushgate/v1/token_registry.grpc.pb.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

constexpr int64_t kNow = 1'700'000'000'000;

config::App App(std::string id, std::vector<std::pair<std::string, std::string>> keys) {
  config::App app;
  app.app_id = std::move(id);
  for (auto& [name, value] : keys) {
    config::ApiKey k;
    k.name = name;
    k.key.value = value;
    app.api_keys.push_back(std::move(k));
  }
  return app;
}

std::string ApnsToken(int i) {
  std::string hex = HexEncode(Sha256(absl::StrCat("device-", i)));
  return hex;  // 64 hex digits
}

pb::RegisterTokenRequest ApnsRequest(std::string app, std::string uid, std::string session,
                                     std::string token) {
  pb::RegisterTokenRequest r;
  r.set_app_id(std::move(app));
  r.set_uid(std::move(uid));
  r.set_session_id(std::move(session));
  r.set_platform(pb::PLATFORM_APNS);
  r.set_token(std::move(token));
  r.mutable_apns()->set_topic("com.example.chat");
  r.mutable_apns()->set_environment(pb::APNS_ENVIRONMENT_PRODUCTION);
  return r;
}

pb::RegisterTokenRequest FcmRequest(std::string app, std::string uid, std::string session,
                                    std::string token) {
  pb::RegisterTokenRequest r;
  r.set_app_id(std::move(app));
  r.set_uid(std::move(uid));
  r.set_session_id(std::move(session));
  r.set_platform(pb::PLATFORM_FCM);
  r.set_token(std::move(token));
  r.mutable_fcm()->set_os(pb::DEVICE_OS_ANDROID);
  return r;
}

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.grpc.address = "127.0.0.1:0";
    config_.grpc.max_message_bytes = 64 * 1024;
    config_.apps = {
        App("app-a",
            {{"backend-a", "key-a"}, {"hashed-a", "sha256:" + HexEncode(Sha256("key-hashed"))}}),
        App("app-b", {{"backend-b", "key-b"}}),
    };
    for (auto [name, role] :
         {std::pair{"register-a", config::Role::kRegister},
          std::pair{"read-a", config::Role::kRead}, std::pair{"admin-a", config::Role::kAdmin}}) {
      config::ApiKey k;
      k.name = name;
      k.key.value = absl::StrCat("key-", name);
      k.role = role;
      config_.apps[0].api_keys.push_back(std::move(k));
    }
    GrpcServerOptions options;
    options.now_ms = [this] { return now_.load(); };
    auto started = StartGrpcServer(config_, &store_, options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    ASSERT_GT(server_->port(), 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    registry_ = pb::TokenRegistry::NewStub(channel_);
    deliveries_ = pb::Deliveries::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(2));
  }

  // A context with a deadline and, unless `key` is empty, the bearer metadata.
  static void Prepare(grpc::ClientContext* ctx, const std::string& key) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!key.empty()) ctx->AddMetadata("authorization", "Bearer " + key);
  }

  grpc::Status Register(const pb::RegisterTokenRequest& req, pb::RegisterTokenResponse* resp,
                        const std::string& key = "key-a") {
    grpc::ClientContext ctx;
    Prepare(&ctx, key);
    return registry_->RegisterToken(&ctx, req, resp);
  }
  grpc::Status List(const pb::ListTokensRequest& req, pb::ListTokensResponse* resp,
                    const std::string& key = "key-a") {
    grpc::ClientContext ctx;
    Prepare(&ctx, key);
    return registry_->ListTokens(&ctx, req, resp);
  }
  pb::ListTokensResponse ListOk(const std::string& app, const std::string& uid,
                                bool active_only = false) {
    pb::ListTokensRequest req;
    req.set_app_id(app);
    req.set_uid(uid);
    req.set_active_only(active_only);
    pb::ListTokensResponse resp;
    grpc::Status s = List(req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }
  grpc::Status UnregisterToken(const pb::UnregisterTokenRequest& req,
                               pb::UnregisterTokenResponse* resp,
                               const std::string& key = "key-a") {
    grpc::ClientContext ctx;
    Prepare(&ctx, key);
    return registry_->UnregisterToken(&ctx, req, resp);
  }
  grpc::Status UnregisterSession(const pb::UnregisterSessionRequest& req,
                                 pb::UnregisterSessionResponse* resp,
                                 const std::string& key = "key-a") {
    grpc::ClientContext ctx;
    Prepare(&ctx, key);
    return registry_->UnregisterSession(&ctx, req, resp);
  }
  grpc::Status UnregisterUser(const pb::UnregisterUserRequest& req,
                              pb::UnregisterUserResponse* resp, const std::string& key = "key-a") {
    grpc::ClientContext ctx;
    Prepare(&ctx, key);
    return registry_->UnregisterUser(&ctx, req, resp);
  }

  // Every TokenRegistry RPC with a valid request for `app`, answered with `key`.
  std::vector<std::pair<std::string, grpc::Status>> EveryRegistryRpc(const std::string& app,
                                                                     const std::string& key) {
    std::vector<std::pair<std::string, grpc::Status>> out;
    pb::RegisterTokenResponse r1;
    out.emplace_back("RegisterToken", Register(ApnsRequest(app, "u", "s", ApnsToken(1)), &r1, key));
    pb::UnregisterTokenRequest q2;
    q2.set_app_id(app);
    q2.set_token(ApnsToken(1));
    pb::UnregisterTokenResponse r2;
    out.emplace_back("UnregisterToken", UnregisterToken(q2, &r2, key));
    pb::UnregisterSessionRequest q3;
    q3.set_app_id(app);
    q3.set_uid("u");
    q3.set_session_id("s");
    pb::UnregisterSessionResponse r3;
    out.emplace_back("UnregisterSession", UnregisterSession(q3, &r3, key));
    pb::UnregisterUserRequest q4;
    q4.set_app_id(app);
    q4.set_uid("u");
    pb::UnregisterUserResponse r4;
    out.emplace_back("UnregisterUser", UnregisterUser(q4, &r4, key));
    pb::ListTokensRequest q5;
    q5.set_app_id(app);
    q5.set_uid("u");
    pb::ListTokensResponse r5;
    out.emplace_back("ListTokens", List(q5, &r5, key));
    return out;
  }

  // Every Deliveries RPC for `app`, answered with `key`.
  std::vector<std::pair<std::string, grpc::Status>> EveryDeliveriesRpc(const std::string& app,
                                                                       const std::string& key) {
    std::vector<std::pair<std::string, grpc::Status>> out;
    {
      grpc::ClientContext ctx;
      Prepare(&ctx, key);
      pb::GetNotificationRequest req;
      req.set_app_id(app);
      req.set_id("1");
      pb::Notification resp;
      out.emplace_back("GetNotification", deliveries_->GetNotification(&ctx, req, &resp));
    }
    {
      grpc::ClientContext ctx;
      Prepare(&ctx, key);
      pb::ListNotificationsRequest req;
      req.set_app_id(app);
      pb::ListNotificationsResponse resp;
      out.emplace_back("ListNotifications", deliveries_->ListNotifications(&ctx, req, &resp));
    }
    {
      grpc::ClientContext ctx;
      Prepare(&ctx, key);
      pb::WatchNotificationsRequest req;
      req.set_app_id(app);
      auto reader = deliveries_->WatchNotifications(&ctx, req);
      pb::NotificationEvent event;
      while (reader->Read(&event)) {
      }
      out.emplace_back("WatchNotifications", reader->Finish());
    }
    {
      grpc::ClientContext ctx;
      Prepare(&ctx, key);
      pb::GetStatsRequest req;
      req.set_app_id(app);
      pb::GetStatsResponse resp;
      out.emplace_back("GetStats", deliveries_->GetStats(&ctx, req, &resp));
    }
    {
      grpc::ClientContext ctx;
      Prepare(&ctx, key);
      pb::RetryNotificationRequest req;
      req.set_app_id(app);
      req.set_id("1");
      pb::RetryNotificationResponse resp;
      out.emplace_back("RetryNotification", deliveries_->RetryNotification(&ctx, req, &resp));
    }
    return out;
  }

  testing::FakeStore store_;  // declared first: outlives the server
  config::Config config_;
  std::atomic<int64_t> now_{kNow};
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::TokenRegistry::Stub> registry_;
  std::unique_ptr<pb::Deliveries::Stub> deliveries_;
};

TEST_F(GrpcServerTest, RegisterListMoveLogoutList) {
  // Register: a new row, stamped with the injected clock, mapped back to the proto.
  pb::RegisterTokenResponse reg;
  grpc::Status s = Register(ApnsRequest("app-a", "alice", "s1", ApnsToken(1)), &reg);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(reg.created());
  EXPECT_FALSE(reg.moved());
  EXPECT_EQ(reg.registration().uid(), "alice");
  EXPECT_EQ(reg.registration().platform(), pb::PLATFORM_APNS);
  EXPECT_EQ(reg.registration().apns().topic(), "com.example.chat");
  EXPECT_EQ(reg.registration().state(), pb::REGISTRATION_STATE_ACTIVE);
  EXPECT_EQ(reg.registration().create_time().seconds(), kNow / 1000);
  const std::string alice_id = reg.registration().id();

  // The same call again is a refresh, not a new row.
  now_ += 1000;
  pb::RegisterTokenResponse again;
  ASSERT_TRUE(Register(ApnsRequest("app-a", "alice", "s1", ApnsToken(1)), &again).ok());
  EXPECT_FALSE(again.created());
  EXPECT_FALSE(again.moved());
  EXPECT_EQ(again.registration().id(), alice_id);
  EXPECT_EQ(again.registration().update_time().seconds(), kNow / 1000 + 1);

  pb::ListTokensResponse alice = ListOk("app-a", "alice");
  ASSERT_EQ(alice.registrations_size(), 1);
  EXPECT_EQ(alice.registrations(0).token(), ApnsToken(1));
  EXPECT_TRUE(alice.next_page_token().empty());

  // Move: the device now belongs to bob.
  pb::RegisterTokenResponse moved;
  ASSERT_TRUE(Register(ApnsRequest("app-a", "bob", "s9", ApnsToken(1)), &moved).ok());
  EXPECT_TRUE(moved.moved());
  EXPECT_FALSE(moved.created());
  EXPECT_EQ(ListOk("app-a", "alice").registrations_size(), 0);
  ASSERT_EQ(ListOk("app-a", "bob").registrations_size(), 1);

  // A second device in the same session, then logout.
  pb::RegisterTokenResponse fcm;
  ASSERT_TRUE(Register(FcmRequest("app-a", "bob", "s9", "fcm:token-1"), &fcm).ok());
  EXPECT_EQ(ListOk("app-a", "bob", /*active_only=*/true).registrations_size(), 2);
  pb::UnregisterSessionRequest logout;
  logout.set_app_id("app-a");
  logout.set_uid("bob");
  logout.set_session_id("s9");
  pb::UnregisterSessionResponse ended;
  ASSERT_TRUE(UnregisterSession(logout, &ended).ok());
  EXPECT_EQ(ended.ended_count(), 2);

  EXPECT_EQ(ListOk("app-a", "bob", /*active_only=*/true).registrations_size(), 0);
  pb::ListTokensResponse bob = ListOk("app-a", "bob");
  ASSERT_EQ(bob.registrations_size(), 2);
  for (const pb::Registration& r : bob.registrations()) {
    EXPECT_EQ(r.state(), pb::REGISTRATION_STATE_INACTIVE);
    EXPECT_EQ(r.inactive_reason(), pb::INACTIVE_REASON_SESSION_ENDED);
    EXPECT_TRUE(r.has_inactive_time());
  }
  // Newest first.
  EXPECT_EQ(bob.registrations(0).platform(), pb::PLATFORM_FCM);

  // Logout again is harmless.
  ASSERT_TRUE(UnregisterSession(logout, &ended).ok());
  EXPECT_EQ(ended.ended_count(), 0);
}

TEST_F(GrpcServerTest, UnregisterTokenMatchesApnsTokenInAnyCase) {
  pb::RegisterTokenResponse reg;
  ASSERT_TRUE(Register(ApnsRequest("app-a", "alice", "s1", ApnsToken(2)), &reg).ok());
  pb::UnregisterTokenRequest req;
  req.set_app_id("app-a");
  std::string upper = ApnsToken(2);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  req.set_token(upper);
  pb::UnregisterTokenResponse resp;
  ASSERT_TRUE(UnregisterToken(req, &resp).ok());
  EXPECT_EQ(resp.ended_count(), 1);
  ASSERT_TRUE(UnregisterToken(req, &resp).ok());
  EXPECT_EQ(resp.ended_count(), 0);
  pb::ListTokensResponse list = ListOk("app-a", "alice");
  ASSERT_EQ(list.registrations_size(), 1);
  EXPECT_EQ(list.registrations(0).inactive_reason(), pb::INACTIVE_REASON_UNREGISTERED);
}

TEST_F(GrpcServerTest, UnregisterUserEndsEverySession) {
  pb::RegisterTokenResponse reg;
  ASSERT_TRUE(Register(ApnsRequest("app-a", "carol", "s1", ApnsToken(3)), &reg).ok());
  ASSERT_TRUE(Register(FcmRequest("app-a", "carol", "s2", "fcm:c"), &reg).ok());
  ASSERT_TRUE(Register(FcmRequest("app-a", "dave", "s2", "fcm:d"), &reg).ok());
  pb::UnregisterUserRequest req;
  req.set_app_id("app-a");
  req.set_uid("carol");
  pb::UnregisterUserResponse resp;
  ASSERT_TRUE(UnregisterUser(req, &resp).ok());
  EXPECT_EQ(resp.ended_count(), 2);
  const pb::ListTokensResponse carol = ListOk("app-a", "carol");
  ASSERT_EQ(carol.registrations_size(), 2);
  for (const pb::Registration& r : carol.registrations()) {
    EXPECT_EQ(r.inactive_reason(), pb::INACTIVE_REASON_USER_DELETED);
  }
  EXPECT_EQ(ListOk("app-a", "dave", true).registrations_size(), 1);
}

TEST_F(GrpcServerTest, EveryRpcRequiresAKey) {
  auto check = [](const std::vector<std::pair<std::string, grpc::Status>>& results,
                  const std::string& message) {
    for (const auto& [rpc, status] : results) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << rpc;
      EXPECT_EQ(status.error_message(), message) << rpc;
    }
  };
  check(EveryRegistryRpc("app-a", ""), "missing bearer token");
  check(EveryDeliveriesRpc("app-a", ""), "missing bearer token");
  check(EveryRegistryRpc("app-a", "not-a-key"), "unknown API key");
  check(EveryDeliveriesRpc("app-a", "not-a-key"), "unknown API key");
  // The hash of a hashed key is not the key.
  check(EveryRegistryRpc("app-a", HexEncode(Sha256("key-hashed"))), "unknown API key");
  EXPECT_TRUE(store_.rows().empty());
}

TEST_F(GrpcServerTest, GarbledAuthorizationHeaderIsUnauthenticated) {
  for (const std::string& header : {std::string("key-a"), std::string("Basic a2V5LWE="),
                                    std::string("Bearer"), std::string("Bearer a b")}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", header);
    pb::ListTokensRequest req;
    req.set_app_id("app-a");
    req.set_uid("u");
    pb::ListTokensResponse resp;
    grpc::Status s = registry_->ListTokens(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << header;
    EXPECT_EQ(s.error_message(), "missing bearer token");
  }
}

TEST_F(GrpcServerTest, KeyOfAnotherAppIsPermissionDeniedByName) {
  for (const auto& [rpc, status] : EveryRegistryRpc("app-a", "key-b")) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << rpc;
    EXPECT_EQ(status.error_message(), "API key 'backend-b' may not access app 'app-a'") << rpc;
  }
  for (const auto& [rpc, status] : EveryDeliveriesRpc("app-a", "key-b")) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << rpc;
    EXPECT_THAT(status.error_message(), Not(HasSubstr("key-b"))) << rpc;
  }
  EXPECT_TRUE(store_.rows().empty());
}

// Each role against each RPC: a refused call is PERMISSION_DENIED naming the permission; an
// allowed one gets past authorization (here OK, NOT_FOUND or, for Deliveries without a
// status store, UNIMPLEMENTED).
TEST_F(GrpcServerTest, EachRoleReachesExactlyItsRpcs) {
  const std::set<std::string> register_rpcs = {"RegisterToken", "UnregisterToken",
                                               "UnregisterSession", "UnregisterUser"};
  const std::set<std::string> read_rpcs = {"ListTokens", "GetNotification", "ListNotifications",
                                           "WatchNotifications", "GetStats"};
  struct Row {
    std::string key;
    std::set<std::string> allowed;
  };
  std::set<std::string> all = register_rpcs;
  all.insert(read_rpcs.begin(), read_rpcs.end());
  all.insert("RetryNotification");
  for (const Row& row : {Row{"key-register-a", register_rpcs}, Row{"key-read-a", read_rpcs},
                         Row{"key-admin-a", all}}) {
    auto calls = EveryRegistryRpc("app-a", row.key);
    auto more = EveryDeliveriesRpc("app-a", row.key);
    calls.insert(calls.end(), more.begin(), more.end());
    std::set<std::string> seen;
    for (const auto& [rpc, status] : calls) {
      SCOPED_TRACE(row.key + " " + rpc + ": " + status.error_message());
      seen.insert(rpc);
      if (row.allowed.count(rpc)) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_THAT(status.error_message(), HasSubstr("lacks permission '"));
        EXPECT_THAT(status.error_message(), Not(HasSubstr("key-")));
      }
    }
    EXPECT_EQ(seen, all);  // the table covers every RPC of both services
  }
}

TEST_F(GrpcServerTest, HashedKeyWorks) {
  for (const auto& [rpc, status] : EveryRegistryRpc("app-a", "key-hashed")) {
    EXPECT_TRUE(status.ok()) << rpc << ": " << status.error_message();
  }
}

TEST_F(GrpcServerTest, DeliveriesAreUnimplementedAfterAuth) {
  for (const auto& [rpc, status] : EveryDeliveriesRpc("app-a", "key-a")) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << rpc;
    EXPECT_EQ(status.error_message(), "arrives with the delivery engine") << rpc;
  }
}

TEST_F(GrpcServerTest, InvalidRequestNamesTheField) {
  pb::RegisterTokenRequest req = ApnsRequest("app-a", "alice", "s1", "xyz");
  pb::RegisterTokenResponse resp;
  grpc::Status s = Register(req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("token: "));

  // Validation comes after authentication: strangers learn nothing about their request.
  s = Register(req, &resp, "not-a-key");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GrpcServerTest, Paging) {
  pb::RegisterTokenResponse reg;
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(
        Register(FcmRequest("app-a", "erin", absl::StrCat("s", i), absl::StrCat("fcm:", i)), &reg)
            .ok());
  }
  pb::ListTokensRequest req;
  req.set_app_id("app-a");
  req.set_uid("erin");
  req.set_page_size(3);
  std::vector<int> sizes;
  std::vector<int64_t> ids;
  std::string page_token;
  do {
    req.set_page_token(page_token);
    pb::ListTokensResponse resp;
    grpc::Status s = List(req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    sizes.push_back(resp.registrations_size());
    for (const auto& r : resp.registrations()) ids.push_back(std::stoll(r.id()));
    page_token = resp.next_page_token();
  } while (!page_token.empty() && sizes.size() < 10);
  EXPECT_EQ(sizes, (std::vector<int>{3, 3, 1}));
  ASSERT_EQ(ids.size(), 7u);
  EXPECT_TRUE(std::is_sorted(ids.rbegin(), ids.rend())) << "newest (highest id) first";
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 7u);

  // An exact multiple of the page size ends without an empty extra page.
  req.set_page_size(7);
  req.clear_page_token();
  pb::ListTokensResponse all;
  ASSERT_TRUE(List(req, &all).ok());
  EXPECT_EQ(all.registrations_size(), 7);
  EXPECT_TRUE(all.next_page_token().empty());

  // The store is asked for one row more than the page; defaults and caps apply.
  req.set_page_size(0);
  ASSERT_TRUE(List(req, &all).ok());
  req.set_page_size(5000);
  ASSERT_TRUE(List(req, &all).ok());
  auto queries = store_.list_queries();
  ASSERT_GE(queries.size(), 2u);
  EXPECT_EQ(queries[queries.size() - 2].limit, 101);
  EXPECT_EQ(queries.back().limit, 1001);

  req.set_page_size(3);
  req.set_page_token("garbled!");
  grpc::Status s = List(req, &all);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("page_token: "));
}

TEST_F(GrpcServerTest, StoreUnavailableIsUnavailable) {
  pb::RegisterTokenRequest req = ApnsRequest("app-a", "alice", "s1", ApnsToken(4));
  pb::RegisterTokenResponse resp;

  // Refused at submission (queue full).
  store_.RefuseWrites(absl::UnavailableError("write queue full"));
  grpc::Status s = Register(req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "write queue full");
  for (const auto& [rpc, status] : EveryRegistryRpc("app-a", "key-a")) {
    if (rpc == "ListTokens") continue;  // reads do not use the write queue
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << rpc;
  }
  store_.RefuseWrites(absl::OkStatus());

  // Accepted, then the transaction failed.
  store_.FailCommits(absl::UnavailableError("database is locked"));
  s = Register(req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  store_.FailCommits(absl::OkStatus());

  store_.FailReads(absl::UnavailableError("no read connection"));
  pb::ListTokensRequest list;
  list.set_app_id("app-a");
  list.set_uid("alice");
  pb::ListTokensResponse listed;
  s = List(list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  store_.FailReads(absl::OkStatus());

  EXPECT_TRUE(Register(req, &resp).ok());
}

TEST_F(GrpcServerTest, InternalStoreErrorsAreNotEchoed) {
  store_.FailCommits(absl::InternalError("SQL logic error near \"SELECT\" in /data/pushgate.db"));
  pb::RegisterTokenResponse resp;
  grpc::Status s = Register(ApnsRequest("app-a", "alice", "s1", ApnsToken(5)), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(s.error_message(), Not(HasSubstr("SQL")));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("/data")));
}

TEST_F(GrpcServerTest, OversizedRequestIsResourceExhausted) {
  pb::RegisterTokenRequest req = FcmRequest("app-a", "alice", "s1", std::string(70 * 1024, 'x'));
  pb::RegisterTokenResponse resp;
  grpc::Status s = Register(req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(GrpcServerTest, ManyConcurrentWrites) {
  // Callbacks arrive on the store's thread while other calls are being admitted.
  constexpr int kCalls = 200;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls / 4; ++i) {
        pb::RegisterTokenResponse resp;
        if (Register(FcmRequest("app-a", absl::StrCat("u", t), absl::StrCat("s", i),
                                absl::StrCat("fcm:", t, ":", i)),
                     &resp)
                .ok()) {
          ++ok;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kCalls);
  EXPECT_EQ(store_.rows().size(), static_cast<size_t>(kCalls));
}

TEST_F(GrpcServerTest, HealthServesWithoutKey) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const std::string service : {"", "pushgate.v1.TokenRegistry", "pushgate.v1.Deliveries"}) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = health->Check(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << service << ": " << s.error_message();
    EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckRequest req;
  req.set_service("no.such.Service");
  grpc::health::v1::HealthCheckResponse resp;
  EXPECT_EQ(health->Check(&ctx, req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
}

// Reflection is exercised with a generic stub and raw protobuf wire data: the reflection
// messages' generated classes live inside libgrpc++_reflection and are not installed.
class Reflection {
 public:
  explicit Reflection(std::shared_ptr<grpc::Channel> channel) : stub_(std::move(channel)) {}

  // One request on a fresh stream; returns the single response's bytes.
  std::string Ask(const std::string& request) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::CompletionQueue cq;
    auto call = stub_.PrepareCall(
        &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
    call->StartCall(Tag(1));
    Await(&cq, 1);
    grpc::Slice slice(request);
    grpc::ByteBuffer out(&slice, 1);
    call->Write(out, Tag(2));
    Await(&cq, 2);
    call->WritesDone(Tag(3));
    Await(&cq, 3);
    grpc::ByteBuffer in;
    call->Read(&in, Tag(4));
    EXPECT_TRUE(Await(&cq, 4));
    grpc::ByteBuffer extra;
    call->Read(&extra, Tag(5));
    Await(&cq, 5);
    grpc::Status status;
    call->Finish(&status, Tag(6));
    Await(&cq, 6);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(in.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& s : slices)
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    return bytes;
  }

 private:
  static void* Tag(intptr_t i) { return reinterpret_cast<void*>(i); }
  static bool Await(grpc::CompletionQueue* cq, intptr_t want) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq->Next(&tag, &ok));
    EXPECT_EQ(tag, Tag(want));
    return ok;
  }
  grpc::GenericStub stub_;
};

// Length-delimited fields `number` of a wire-format message.
std::vector<std::string> Fields(const std::string& bytes, int number) {
  google::protobuf::UnknownFieldSet set;
  EXPECT_TRUE(set.ParseFromString(bytes));
  std::vector<std::string> out;
  for (int i = 0; i < set.field_count(); ++i) {
    const auto& f = set.field(i);
    if (f.number() == number && f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      out.push_back(f.length_delimited());
    }
  }
  return out;
}

TEST_F(GrpcServerTest, ReflectionListsAndDescribesServicesWithoutKey) {
  Reflection reflection(channel_);
  // ServerReflectionRequest{list_services: "*"} is field 7.
  const std::string list = reflection.Ask(std::string("\x3a\x01*", 3));
  std::vector<std::string> names;
  for (const std::string& lsr : Fields(list, 6)) {   // list_services_response
    for (const std::string& svc : Fields(lsr, 1)) {  // service
      for (const std::string& name : Fields(svc, 1)) names.push_back(name);  // name
    }
  }
  EXPECT_THAT(names,
              IsSupersetOf({"pushgate.v1.TokenRegistry", "pushgate.v1.Deliveries",
                            "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}));

  for (const std::string symbol :
       {"pushgate.v1.TokenRegistry", "pushgate.v1.Deliveries", "grpc.health.v1.Health"}) {
    // file_containing_symbol is field 4.
    std::string request = "\x22";
    request.push_back(static_cast<char>(symbol.size()));
    request += symbol;
    const std::string answer = reflection.Ask(request);
    EXPECT_TRUE(Fields(answer, 7).empty()) << symbol << " gave an error_response";
    bool found = false;
    for (const std::string& fdr : Fields(answer, 4)) {  // file_descriptor_response
      for (const std::string& file : Fields(fdr, 1)) {  // file_descriptor_proto
        google::protobuf::FileDescriptorProto proto;
        ASSERT_TRUE(proto.ParseFromString(file));
        for (const auto& svc : proto.service()) {
          if (absl::StrCat(proto.package(), ".", svc.name()) == symbol) found = true;
        }
      }
    }
    EXPECT_TRUE(found) << symbol;
  }
}

TEST_F(GrpcServerTest, SecondServerOnTheSamePortFails) {
  config::Config other = config_;
  other.grpc.address = absl::StrCat("127.0.0.1:", server_->port());
  auto second = StartGrpcServer(other, &store_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr(other.grpc.address));
}

TEST_F(GrpcServerTest, ShutdownIsIdempotentAndWaitsForCommits) {
  pb::RegisterTokenResponse resp;
  ASSERT_TRUE(Register(ApnsRequest("app-a", "alice", "s1", ApnsToken(6)), &resp).ok());
  server_->Shutdown(absl::Seconds(1));
  server_->Shutdown(absl::Seconds(1));
  pb::RegisterTokenResponse after;
  grpc::ClientContext ctx;
  Prepare(&ctx, "key-a");
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  EXPECT_FALSE(
      registry_->RegisterToken(&ctx, ApnsRequest("app-a", "alice", "s1", ApnsToken(7)), &after)
          .ok());
}

}  // namespace
}  // namespace pushgate::grpc_api
