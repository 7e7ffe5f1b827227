// The token registry through the real binary over real gRPC: the login/logout lifecycle,
// every auth failure, validation, restarts and kill -9 right after an OK.
#include <grpcpp/grpcpp.h>

#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "harness.h"
#include "pushgate_client.h"

namespace pushgate::testing {
namespace {

using pushgate::client::ClientOptions;
using pushgate::client::PushgateClient;
namespace v1 = pushgate::v1;

constexpr char kIphoneToken[] = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1";
constexpr char kVoipToken[] = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

v1::RegisterTokenRequest ApnsRequest(const std::string& uid, const std::string& session,
                                     const std::string& token = kIphoneToken,
                                     v1::Platform platform = v1::PLATFORM_APNS) {
  v1::RegisterTokenRequest req;
  req.set_app_id("app123");
  req.set_uid(uid);
  req.set_session_id(session);
  req.set_platform(platform);
  req.set_token(token);
  req.mutable_apns()->set_topic("com.example.chat");
  req.mutable_apns()->set_environment(v1::APNS_ENVIRONMENT_SANDBOX);
  req.mutable_device()->set_device_id("iphone-15");
  req.mutable_device()->set_locale("en_GB");
  return req;
}

v1::RegisterTokenRequest FcmRequest(const std::string& uid, const std::string& session,
                                    const std::string& token) {
  v1::RegisterTokenRequest req;
  req.set_app_id("app123");
  req.set_uid(uid);
  req.set_session_id(session);
  req.set_platform(v1::PLATFORM_FCM);
  req.set_token(token);
  req.mutable_fcm()->set_os(v1::DEVICE_OS_ANDROID);
  return req;
}

class RegistryTest : public ::testing::Test {
 protected:
  void StartServer() {
    server_ = PushgateProcess::Start({TestConfig(dir_.path() + "/data"), dir_.path() + "/data"});
    ASSERT_NE(server_, nullptr);
    client_ = Client("test-api-key");
  }
  std::unique_ptr<PushgateClient> Client(const std::string& key) {
    ClientOptions options;
    options.address = server_->grpc_address();
    options.api_key = key;
    return PushgateClient::Connect(options);
  }
  v1::ListTokensResponse List(const std::string& uid, bool active_only = false) {
    v1::ListTokensRequest req;
    req.set_app_id("app123");
    req.set_uid(uid);
    req.set_active_only(active_only);
    auto resp = client_->ListTokens(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? *resp : v1::ListTokensResponse();
  }

  TempDir dir_;
  std::unique_ptr<PushgateProcess> server_;
  std::unique_ptr<PushgateClient> client_;
};

TEST_F(RegistryTest, LoginMoveLogoutLifecycle) {
  StartServer();
  // alice logs in on an iPhone (alert + VoIP tokens) and an Android phone.
  auto iphone = client_->RegisterToken(ApnsRequest("alice", "s-iphone"));
  ASSERT_TRUE(iphone.ok()) << iphone.status();
  EXPECT_TRUE(iphone->created());
  EXPECT_FALSE(iphone->moved());
  EXPECT_EQ(iphone->registration().state(), v1::REGISTRATION_STATE_ACTIVE);
  EXPECT_FALSE(iphone->registration().id().empty());
  ASSERT_TRUE(
      client_->RegisterToken(ApnsRequest("alice", "s-iphone", kVoipToken, v1::PLATFORM_APNS_VOIP))
          .ok());
  ASSERT_TRUE(client_->RegisterToken(FcmRequest("alice", "s-pixel", "fcm-token-1")).ok());

  // Registering the same token again is an idempotent refresh.
  auto again = client_->RegisterToken(ApnsRequest("alice", "s-iphone"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created());
  EXPECT_EQ(again->registration().id(), iphone->registration().id());

  v1::ListTokensResponse alice = List("alice");
  ASSERT_EQ(alice.registrations_size(), 3);
  for (const auto& r : alice.registrations()) {
    EXPECT_EQ(r.state(), v1::REGISTRATION_STATE_ACTIVE);
    EXPECT_TRUE(r.has_create_time());
    EXPECT_TRUE(r.has_update_time());
  }

  // The iPhone is handed to bob: the token moves and alice stops receiving on it.
  auto moved = client_->RegisterToken(ApnsRequest("bob", "s-bob"));
  ASSERT_TRUE(moved.ok());
  EXPECT_TRUE(moved->moved());
  EXPECT_EQ(moved->registration().uid(), "bob");
  EXPECT_EQ(List("alice", /*active_only=*/true).registrations_size(), 2);
  ASSERT_EQ(List("bob").registrations_size(), 1);

  // alice logs out of the iPhone session: its VoIP token ends.
  v1::UnregisterSessionRequest logout;
  logout.set_app_id("app123");
  logout.set_uid("alice");
  logout.set_session_id("s-iphone");
  auto ended = client_->UnregisterSession(logout);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->ended_count(), 1);
  auto repeated = client_->UnregisterSession(logout);
  ASSERT_TRUE(repeated.ok());
  EXPECT_EQ(repeated->ended_count(), 0);

  v1::ListTokensResponse after = List("alice");
  int active = 0, inactive = 0;
  for (const auto& r : after.registrations()) {
    if (r.state() == v1::REGISTRATION_STATE_ACTIVE) {
      active++;
      EXPECT_EQ(r.platform(), v1::PLATFORM_FCM);
    } else {
      inactive++;
      EXPECT_EQ(r.inactive_reason(), v1::INACTIVE_REASON_SESSION_ENDED);
      EXPECT_TRUE(r.has_inactive_time());
    }
  }
  EXPECT_EQ(active, 1);
  EXPECT_EQ(inactive, 1);

  // Unregistering a token, then deleting the user.
  v1::UnregisterTokenRequest unreg;
  unreg.set_app_id("app123");
  unreg.set_token(kIphoneToken);
  auto unreg_resp = client_->UnregisterToken(unreg);
  ASSERT_TRUE(unreg_resp.ok());
  EXPECT_EQ(unreg_resp->ended_count(), 1);
  EXPECT_EQ(List("bob", true).registrations_size(), 0);

  v1::UnregisterUserRequest delete_user;
  delete_user.set_app_id("app123");
  delete_user.set_uid("alice");
  auto deleted = client_->UnregisterUser(delete_user);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->ended_count(), 1);
  EXPECT_EQ(List("alice", true).registrations_size(), 0);
}

TEST_F(RegistryTest, EveryAuthFailure) {
  StartServer();
  auto none = Client("")->RegisterToken(ApnsRequest("alice", "s1"));
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated) << none.status();
  auto wrong = Client("not-a-key")->RegisterToken(ApnsRequest("alice", "s1"));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated) << wrong.status();
  EXPECT_EQ(std::string(wrong.status().message()).find("not-a-key"), std::string::npos);
  // app456's key is valid, but not for app123.
  auto other = Client("other-api-key")->RegisterToken(ApnsRequest("alice", "s1"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied) << other.status();
  EXPECT_EQ(std::string(other.status().message()).find("other-api-key"), std::string::npos);
  v1::ListTokensRequest list;
  list.set_app_id("app123");
  list.set_uid("alice");
  EXPECT_EQ(Client("other-api-key")->ListTokens(list).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Nothing was written by any of them.
  EXPECT_EQ(List("alice").registrations_size(), 0);

  // Health needs no key.
  auto channel = grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(health->Check(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(RegistryTest, InvalidRequestsNameTheField) {
  StartServer();
  struct Case {
    v1::RegisterTokenRequest req;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({ApnsRequest("", "s1"), "uid"});
  cases.push_back({ApnsRequest("alice", ""), "session_id"});
  cases.push_back({ApnsRequest("alice", "s1", "not-hex!"), "token"});
  auto no_topic = ApnsRequest("alice", "s1");
  no_topic.mutable_apns()->clear_topic();
  cases.push_back({no_topic, "topic"});
  auto no_platform = ApnsRequest("alice", "s1");
  no_platform.set_platform(v1::PLATFORM_UNSPECIFIED);
  cases.push_back({no_platform, "platform"});
  v1::RegisterTokenRequest web;
  web.set_app_id("app123");
  web.set_uid("alice");
  web.set_session_id("s1");
  web.set_platform(v1::PLATFORM_WEBPUSH);
  web.set_token("http://push.example/not-https");
  web.mutable_web_push()->set_p256dh("AAAA");
  web.mutable_web_push()->set_auth("AAAA");
  cases.push_back({web, "token"});
  for (const Case& c : cases) {
    auto resp = client_->RegisterToken(c.req);
    EXPECT_EQ(resp.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(std::string(resp.status().message()).find(c.field), std::string::npos)
        << "message should name " << c.field << ": " << resp.status();
  }
  EXPECT_EQ(List("alice").registrations_size(), 0);
}

TEST_F(RegistryTest, RestartKeepsRegistrations) {
  StartServer();
  ASSERT_TRUE(client_->RegisterToken(ApnsRequest("alice", "s1")).ok());
  client_.reset();
  EXPECT_EQ(server_->Terminate(), 0);
  StartServer();
  v1::ListTokensResponse list = List("alice");
  ASSERT_EQ(list.registrations_size(), 1);
  EXPECT_EQ(list.registrations(0).token(), kIphoneToken);
  EXPECT_EQ(list.registrations(0).device().locale(), "en_GB");
}

TEST_F(RegistryTest, KillNineRightAfterAnOkKeepsTheRegistration) {
  StartServer();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(client_
                    ->RegisterToken(FcmRequest("carol", "s" + std::to_string(i),
                                               "fcm-carol-" + std::to_string(i)))
                    .ok());
  }
  // The very last OK, then the plug is pulled before anything else can happen.
  auto last = client_->RegisterToken(FcmRequest("carol", "s-last", "fcm-carol-last"));
  ASSERT_TRUE(last.ok());
  server_->Kill9();
  client_.reset();
  StartServer();
  v1::ListTokensResponse list = List("carol");
  EXPECT_EQ(list.registrations_size(), 21);
  bool found = false;
  for (const auto& r : list.registrations()) found |= r.token() == "fcm-carol-last";
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace pushgate::testing
