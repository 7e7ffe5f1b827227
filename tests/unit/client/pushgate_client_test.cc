// The client against a fake TokenRegistry served in-process: it checks what goes on the
// wire (bearer metadata, deadline) and that statuses come back unchanged.
#include "pushgate_client.h"

#include <grpcpp/grpcpp.h>

#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pushgate/v1/token_registry.grpc.pb.h"

namespace pushgate::client {
namespace {

namespace pb = ::pushgate::v1;

// Records the metadata and deadline of each call; ListTokens serves `pages` pages of 2.
class FakeRegistry final : public pb::TokenRegistry::Service {
 public:
  grpc::Status RegisterToken(grpc::ServerContext* ctx, const pb::RegisterTokenRequest* req,
                             pb::RegisterTokenResponse* resp) override {
    Record(ctx);
    if (req->uid() == "unavailable") {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "write queue full");
    }
    resp->mutable_registration()->set_uid(req->uid());
    resp->set_created(true);
    return grpc::Status::OK;
  }
  grpc::Status UnregisterToken(grpc::ServerContext* ctx, const pb::UnregisterTokenRequest*,
                               pb::UnregisterTokenResponse* resp) override {
    Record(ctx);
    resp->set_ended_count(1);
    return grpc::Status::OK;
  }
  grpc::Status UnregisterSession(grpc::ServerContext* ctx, const pb::UnregisterSessionRequest*,
                                 pb::UnregisterSessionResponse* resp) override {
    Record(ctx);
    resp->set_ended_count(2);
    return grpc::Status::OK;
  }
  grpc::Status UnregisterUser(grpc::ServerContext* ctx, const pb::UnregisterUserRequest*,
                              pb::UnregisterUserResponse* resp) override {
    Record(ctx);
    resp->set_ended_count(3);
    return grpc::Status::OK;
  }
  grpc::Status ListTokens(grpc::ServerContext* ctx, const pb::ListTokensRequest* req,
                          pb::ListTokensResponse* resp) override {
    Record(ctx);
    const int page = req->page_token().empty() ? 0 : std::stoi(req->page_token());
    if (req->uid() == "loop") {
      resp->add_registrations()->set_id("x");
      resp->set_next_page_token("1");
      return grpc::Status::OK;
    }
    for (int i = 0; i < 2; ++i) resp->add_registrations()->set_id(std::to_string(page * 2 + i));
    if (page + 1 < 3) resp->set_next_page_token(std::to_string(page + 1));
    return grpc::Status::OK;
  }

  std::vector<std::string> authorizations() {
    std::lock_guard lock(mu_);
    return authorizations_;
  }
  std::vector<double> deadline_seconds() {
    std::lock_guard lock(mu_);
    return deadlines_;
  }

 private:
  void Record(grpc::ServerContext* ctx) {
    std::lock_guard lock(mu_);
    auto it = ctx->client_metadata().find("authorization");
    authorizations_.push_back(it == ctx->client_metadata().end()
                                  ? "<none>"
                                  : std::string(it->second.data(), it->second.size()));
    deadlines_.push_back(
        std::chrono::duration<double>(ctx->deadline() - std::chrono::system_clock::now()).count());
  }
  std::mutex mu_;
  std::vector<std::string> authorizations_;
  std::vector<double> deadlines_;
};

class PushgateClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }
  void TearDown() override { server_->Shutdown(); }

  FakeRegistry fake_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(PushgateClientTest, SendsBearerKeyAndDeadlineOnEveryCall) {
  PushgateClient client(channel_, "k-123", absl::Seconds(7));
  pb::RegisterTokenRequest reg;
  reg.set_uid("alice");
  auto r = client.RegisterToken(reg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->registration().uid(), "alice");
  EXPECT_TRUE(r->created());
  EXPECT_EQ(client.UnregisterToken({})->ended_count(), 1);
  EXPECT_EQ(client.UnregisterSession({})->ended_count(), 2);
  EXPECT_EQ(client.UnregisterUser({})->ended_count(), 3);
  EXPECT_EQ(client.ListTokens({})->registrations_size(), 2);

  EXPECT_THAT(fake_.authorizations(), ::testing::Each("Bearer k-123"));
  EXPECT_EQ(fake_.authorizations().size(), 5u);
  for (double d : fake_.deadline_seconds()) {
    EXPECT_GT(d, 5.0);
    EXPECT_LE(d, 7.1);  // gRPC rounds deadlines slightly up
  }
}

TEST_F(PushgateClientTest, NoKeyMeansNoHeader) {
  PushgateClient client(channel_, "", absl::Seconds(5));
  ASSERT_TRUE(client.UnregisterUser({}).ok());
  EXPECT_THAT(fake_.authorizations(), ::testing::ElementsAre("<none>"));
}

TEST_F(PushgateClientTest, StatusComesBackUnchanged) {
  PushgateClient client(channel_, "k", absl::Seconds(5));
  pb::RegisterTokenRequest reg;
  reg.set_uid("unavailable");
  auto r = client.RegisterToken(reg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "write queue full");
}

TEST_F(PushgateClientTest, ListAllTokensFollowsPages) {
  PushgateClient client(channel_, "k", absl::Seconds(5));
  pb::ListTokensRequest req;
  req.set_uid("alice");
  auto all = client.ListAllTokens(req);
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> ids;
  for (const auto& r : all->registrations()) ids.push_back(r.id());
  EXPECT_THAT(ids, ::testing::ElementsAre("0", "1", "2", "3", "4", "5"));
  EXPECT_TRUE(all->next_page_token().empty());

  req.set_page_token("2");  // start from a later page
  EXPECT_EQ(client.ListAllTokens(req)->registrations_size(), 2);

  req.set_uid("loop");
  req.set_page_token("1");
  EXPECT_EQ(client.ListAllTokens(req).status().code(), absl::StatusCode::kInternal);
}

TEST(PushgateClient, UnreachableServerIsUnavailable) {
  ClientOptions options;
  options.address = "127.0.0.1:1";  // nothing listens on port 1
  options.api_key = "k";
  options.timeout = absl::Seconds(2);
  auto client = PushgateClient::Connect(options);
  auto r = client->ListTokens({});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().code(), ::testing::AnyOf(absl::StatusCode::kUnavailable,
                                                  absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace pushgate::client
