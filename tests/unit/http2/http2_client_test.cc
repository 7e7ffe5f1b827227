// Http2Client against real local TLS servers (h2_test_server.js under node): multiplexing,
// pools, TLS failures, timeouts, cut connections, HTTP/1.1 refusal, bounds and shutdown.
#include "providers/http2_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node_test_server.h"
#include "test_tls_files.h"

namespace pushgate::providers {
namespace {

using ::pushgate::testing::NodeTestServer;
using ::pushgate::testing::TestTlsFiles;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Collects the answers of requests sent through the client, in completion order.
class Results {
 public:
  std::function<void(Http2Response)> Callback() {
    return [this](Http2Response response) {
      std::lock_guard<std::mutex> lock(mu_);
      threads_.insert(std::this_thread::get_id());
      responses_.push_back(std::move(response));
      cv_.notify_all();
    };
  }
  // Waits for `count` answers (fails the test after `timeout`).
  std::vector<Http2Response> Wait(size_t count,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, timeout, [&] { return responses_.size() >= count; }))
        << "got " << responses_.size() << " of " << count << " answers";
    return responses_;
  }
  std::set<std::thread::id> threads() {
    std::lock_guard<std::mutex> lock(mu_);
    return threads_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Http2Response> responses_;
  std::set<std::thread::id> threads_;
};

class Http2ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!pushgate::testing::TestToolsAvailable()) return;
    auto files = TestTlsFiles::Create();
    ASSERT_TRUE(files.ok()) << files.status();
    files_ = files->release();
  }
  static void TearDownTestSuite() {
    delete files_;
    files_ = nullptr;
  }
  void SetUp() override {
    if (files_ != nullptr) return;
    FAIL() << "node or openssl missing (or the test certificates could not be made): run "
              "tools/setup.sh as root (or apt-get install nodejs openssl)";
  }

  std::unique_ptr<NodeTestServer> StartServer(std::vector<std::string> args = {}) {
    auto server = NodeTestServer::Start(files_->key, files_->cert, std::move(args));
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  std::unique_ptr<Http2Client> StartClient(Http2ClientOptions options = {}) {
    auto client = StartHttp2Client(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  Http2Request Request(const NodeTestServer& server, const std::string& path) {
    Http2Request request;
    request.pool = "test";
    request.tls.ca_file = files_->cert;
    request.url = absl::StrCat("https://127.0.0.1:", server.port(), path);
    request.body = R"({"aps":{"alert":"hi"}})";
    return request;
  }

  Http2Response SendAndWait(Http2Client& client, Http2Request request) {
    Results results;
    client.Send(std::move(request), results.Callback());
    std::vector<Http2Response> responses = results.Wait(1);
    return responses.empty() ? Http2Response() : responses[0];
  }

  static nlohmann::json Stats(const NodeTestServer& server) {
    auto stats = server.Stats();
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : nlohmann::json::object();
  }

  static TestTlsFiles* files_;
};

TestTlsFiles* Http2ClientTest::files_ = nullptr;

TEST_F(Http2ClientTest, PostReturnsStatusHeadersAndBody) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request request = Request(*server, "/3/device/abc");
  request.headers = {{"apns-id", "id-1"}, {"apns-topic", "com.example.app"}};

  Http2Response response = SendAndWait(*client, std::move(request));

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.transport_error, "");
  EXPECT_FALSE(response.timed_out);
  EXPECT_EQ(response.Header("apns-id"), "id-1");
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(response.Header("x-echo-method"), "POST");
  EXPECT_EQ(response.Header("missing"), "");
  nlohmann::json echo = nlohmann::json::parse(response.body);
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["path"], "/3/device/abc");
  EXPECT_EQ(echo["body"], R"({"aps":{"alert":"hi"}})");
  // Nothing the caller did not ask for that would mislabel or stall a JSON POST.
  nlohmann::json seen = Stats(*server)["lastHeaders"];
  EXPECT_EQ(seen["apns-topic"], "com.example.app");
  EXPECT_FALSE(seen.contains("content-type"));
  EXPECT_FALSE(seen.contains("expect"));
  EXPECT_EQ(client->Pending(), 0u);
}

TEST_F(Http2ClientTest, MethodsSwitchCorrectlyOnOneConnection) {
  auto server = StartServer();
  Http2ClientOptions options;
  options.max_in_flight = 1;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  struct Case {
    std::string method;
    std::string body;
  };
  const std::vector<Case> cases = {{"POST", "a"},  {"GET", ""}, {"HEAD", ""}, {"PUT", "b"},
                                   {"DELETE", ""}, {"GET", ""}, {"POST", "c"}};
  for (const Case& c : cases) {
    Http2Request request = Request(*server, "/ok");
    request.method = c.method;
    request.body = c.body;
    Http2Response response = SendAndWait(*client, std::move(request));
    EXPECT_EQ(response.status, 200) << c.method << " " << response.transport_error;
    EXPECT_EQ(response.Header("x-echo-method"), c.method);
    if (c.method == "HEAD") {
      EXPECT_EQ(response.body, "");
    } else {
      nlohmann::json echo = nlohmann::json::parse(response.body);
      EXPECT_EQ(echo["method"], c.method);
      EXPECT_EQ(echo["body"], c.body) << c.method;
    }
  }
}

// A long header list (past HPACK's dynamic table) and then a short one on the same connection
// each send exactly their own.
TEST_F(Http2ClientTest, HeadersAreExactlyTheRequestsOwn) {
  auto server = StartServer();
  Http2ClientOptions options;
  options.max_in_flight = 1;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  Http2Request many = Request(*server, "/ok");
  for (int i = 0; i < 40; ++i) {
    many.headers.emplace_back(absl::StrCat("x-h-", i),
                              std::string(100, static_cast<char>('a' + i % 26)));
  }
  many.headers.emplace_back("content-type", "text/plain");
  ASSERT_EQ(SendAndWait(*client, std::move(many)).status, 200);
  nlohmann::json seen = Stats(*server)["lastHeaders"];
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(seen[absl::StrCat("x-h-", i)], std::string(100, static_cast<char>('a' + i % 26)))
        << i;
  }
  EXPECT_EQ(seen["content-type"], "text/plain");

  Http2Request few = Request(*server, "/ok");
  few.headers = {{"x-only", "1"}, {"x-empty", ""}};
  ASSERT_EQ(SendAndWait(*client, std::move(few)).status, 200);
  seen = Stats(*server)["lastHeaders"];
  EXPECT_EQ(seen["x-only"], "1");
  EXPECT_EQ(seen["x-empty"], "");
  EXPECT_FALSE(seen.contains("x-h-0"));
  EXPECT_FALSE(seen.contains("content-type"));
  EXPECT_FALSE(seen.contains("expect"));
}

TEST_F(Http2ClientTest, ErrorStatusIsAnAnswerNotATransportError) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Response response =
      SendAndWait(*client, Request(*server, "/status?code=410&reason=Unregistered"));
  EXPECT_EQ(response.status, 410);
  EXPECT_EQ(response.transport_error, "");
  EXPECT_EQ(response.Header("retry-after"), "7");
  EXPECT_EQ(nlohmann::json::parse(response.body)["reason"], "Unregistered");
}

TEST_F(Http2ClientTest, ConcurrentRequestsAreMultiplexedOnOneConnection) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  constexpr int kRequests = 50;
  Results results;
  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request(*server, absl::StrCat("/slow?ms=300&i=", i)), results.Callback());
  }
  std::vector<Http2Response> responses = results.Wait(kRequests);
  EXPECT_THAT(responses, Each(Field(&Http2Response::status, 200)));
  nlohmann::json stats = Stats(*server);
  EXPECT_EQ(stats["connections"], 1);
  EXPECT_EQ(stats["requests"], kRequests);
  // Most of them were open at the same time on that one connection.
  EXPECT_GE(stats["maxActivePerConnection"].get<int>(), kRequests / 2);
}

TEST_F(Http2ClientTest, CallbacksRunOnTheClientThread) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Results results;
  for (int i = 0; i < 5; ++i) client->Send(Request(*server, "/ok"), results.Callback());
  results.Wait(5);
  std::set<std::thread::id> threads = results.threads();
  ASSERT_EQ(threads.size(), 1u);
  EXPECT_NE(*threads.begin(), std::this_thread::get_id());
}

TEST_F(Http2ClientTest, SendFromACallbackWorks) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Results results;
  Http2Request second = Request(*server, "/second");
  client->Send(Request(*server, "/first"), [&](Http2Response first) {
    EXPECT_EQ(first.status, 200);
    client->Send(second, results.Callback());
  });
  std::vector<Http2Response> responses = results.Wait(1);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_THAT(Stats(*server)["paths"], ElementsAre("/first", "/second"));
}

TEST_F(Http2ClientTest, ResolveSendsTheRealHostNameToTheLocalServer) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request request = Request(*server, "");
  const std::string host = "api.sandbox.push.apple.com";
  request.url = absl::StrCat("https://", host, ":", server->port(), "/3/device/abc");
  request.tls.resolve = {absl::StrCat(host, ":", server->port(), ":127.0.0.1")};

  Http2Response response = SendAndWait(*client, std::move(request));

  EXPECT_EQ(response.status, 200) << response.transport_error;
  EXPECT_THAT(Stats(*server)["authorities"], ElementsAre(absl::StrCat(host, ":", server->port())));
}

TEST_F(Http2ClientTest, ResolveEntriesStayInTheirPool) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  const std::string host = "push.test.invalid";  // RFC 6761: never resolves for real
  Http2Request with_resolve = Request(*server, "");
  with_resolve.url = absl::StrCat("https://", host, ":", server->port(), "/a");
  with_resolve.tls.resolve = {absl::StrCat(host, ":", server->port(), ":127.0.0.1")};
  Http2Request without = with_resolve;
  without.pool = "other";
  without.tls.resolve.clear();

  EXPECT_EQ(SendAndWait(*client, with_resolve).status, 200);
  // The other pool resolves the name itself instead of borrowing the first pool's override.
  Http2Response response = SendAndWait(*client, without);
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.transport_error, "resolve failed");
  EXPECT_EQ(Stats(*server)["requests"], 1);
}

TEST_F(Http2ClientTest, WrongCaIsATlsTransportError) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request request = Request(*server, "/ok");
  request.tls.ca_file = files_->other_cert;

  Http2Response response = SendAndWait(*client, std::move(request));

  EXPECT_EQ(response.status, 0);
  EXPECT_THAT(response.transport_error, StartsWith("tls: "));
  EXPECT_FALSE(response.timed_out);
  EXPECT_EQ(Stats(*server)["requests"], 0);
}

TEST_F(Http2ClientTest, MissingCaFileIsATlsTransportError) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request request = Request(*server, "/ok");
  request.tls.ca_file = files_->dir + "/does-not-exist.pem";
  Http2Response response = SendAndWait(*client, std::move(request));
  EXPECT_EQ(response.status, 0);
  EXPECT_THAT(response.transport_error, StartsWith("tls: "));
}

TEST_F(Http2ClientTest, SlowAnswerTimesOut) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request request = Request(*server, "/hang");
  request.timeout = absl::Milliseconds(300);
  const auto start = std::chrono::steady_clock::now();

  Http2Response response = SendAndWait(*client, std::move(request));

  EXPECT_EQ(response.status, 0);
  EXPECT_TRUE(response.timed_out);
  EXPECT_EQ(response.transport_error, "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  // The connection survives a timed-out stream.
  EXPECT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
}

TEST_F(Http2ClientTest, ClosedPortIsConnectFailed) {
  // A port that was just free: bind to port 0, read it, close.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  close(fd);

  auto client = StartClient();
  ASSERT_TRUE(client);
  Http2Request request;
  request.pool = "test";
  request.tls.ca_file = files_->cert;
  request.url = absl::StrCat("https://127.0.0.1:", port, "/ok");
  Http2Response response = SendAndWait(*client, std::move(request));
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.transport_error, "connect failed");
}

TEST_F(Http2ClientTest, SessionDestroyedMidStreamThenNextRequestUsesANewConnection) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);

  Http2Response cut = SendAndWait(*client, Request(*server, "/cut"));
  EXPECT_EQ(cut.status, 0);
  EXPECT_EQ(cut.transport_error, "connection closed: GOAWAY/stream reset");
  EXPECT_EQ(cut.body, "");

  Http2Response next = SendAndWait(*client, Request(*server, "/ok"));
  EXPECT_EQ(next.status, 200) << next.transport_error;
  nlohmann::json stats = Stats(*server);
  EXPECT_EQ(stats["connections"], 2);
  EXPECT_THAT(stats["paths"], ElementsAre("/cut", "/ok"));
}

TEST_F(Http2ClientTest, GracefulGoawayThenNextRequestUsesANewConnection) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Response last = SendAndWait(*client, Request(*server, "/goaway"));
  EXPECT_EQ(last.status, 200);
  EXPECT_EQ(last.body, "bye");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the GOAWAY arrive

  Http2Response next = SendAndWait(*client, Request(*server, "/ok"));
  EXPECT_EQ(next.status, 200) << next.transport_error;
  EXPECT_EQ(Stats(*server)["connections"], 2);
}

TEST_F(Http2ClientTest, Http1OnlyServerIsRefusedWhenHttp2IsRequired) {
  auto server = StartServer({"--mode", "h1"});
  auto client = StartClient();
  ASSERT_TRUE(server && client);

  Http2Response refused = SendAndWait(*client, Request(*server, "/3/device/abc"));

  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(refused.transport_error, "server did not negotiate HTTP/2");
  // Refused during the handshake: the request never reached the server.
  EXPECT_EQ(Stats(*server)["requests"], 0);
}

TEST_F(Http2ClientTest, Http1FallbackWhenHttp2IsNotRequired) {
  auto server = StartServer({"--mode", "h1"});
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request request = Request(*server, "/hook");
  request.pool = "webhook";
  request.require_http2 = false;

  Http2Response response = SendAndWait(*client, std::move(request));

  EXPECT_EQ(response.status, 200) << response.transport_error;
  EXPECT_EQ(response.Header("x-mixed-case"), "yes");  // names arrive lower-cased
  EXPECT_EQ(nlohmann::json::parse(response.body)["method"], "POST");
  EXPECT_EQ(Stats(*server)["requests"], 1);
}

TEST_F(Http2ClientTest, AHugeAnswerKeepsItsStatusButOnlyTheCappedBody) {
  // A forward-hook receiver answering with a large page, over HTTP/1.1 and HTTP/2.
  for (const char* mode : {"h1", "h2"}) {
    auto server = StartServer({"--mode", mode});
    auto client = StartClient();
    ASSERT_TRUE(server && client);
    Http2Request request = Request(*server, "/big?bytes=3000000&code=503");
    request.pool = "webhook";
    request.require_http2 = false;
    Http2Response response = SendAndWait(*client, std::move(request));
    EXPECT_EQ(response.status, 503) << mode << ": " << response.transport_error;
    EXPECT_EQ(response.body, std::string(kMaxResponseBodyBytes, 'x')) << mode;
  }
}

TEST_F(Http2ClientTest, InFlightBoundIsRespected) {
  auto server = StartServer();
  Http2ClientOptions options;
  options.max_in_flight = 3;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  constexpr int kRequests = 12;
  Results results;
  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request(*server, "/slow?ms=150"), results.Callback());
  }
  EXPECT_GT(client->Pending(), 0u);
  std::vector<Http2Response> responses = results.Wait(kRequests);
  EXPECT_THAT(responses, Each(Field(&Http2Response::status, 200)));
  nlohmann::json stats = Stats(*server);
  EXPECT_EQ(stats["maxActive"], 3);
  EXPECT_EQ(stats["connections"], 1);
  EXPECT_EQ(client->Pending(), 0u);
}

TEST_F(Http2ClientTest, QueuedRequestsStartInOrder) {
  auto server = StartServer();
  Http2ClientOptions options;
  options.max_in_flight = 1;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  Results results;
  for (int i = 0; i < 6; ++i) {
    client->Send(Request(*server, absl::StrCat("/ok?i=", i)), results.Callback());
  }
  results.Wait(6);
  EXPECT_THAT(Stats(*server)["paths"],
              ElementsAre("/ok?i=0", "/ok?i=1", "/ok?i=2", "/ok?i=3", "/ok?i=4", "/ok?i=5"));
}

TEST_F(Http2ClientTest, PoolsWithDifferentCaFilesNeverShareAConnection) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request a = Request(*server, "/a");
  a.pool = "a";
  Http2Request b = Request(*server, "/b");
  b.pool = "b";
  b.tls.ca_file = files_->cert_copy;
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(SendAndWait(*client, a).status, 200);
    EXPECT_EQ(SendAndWait(*client, b).status, 200);
  }
  EXPECT_EQ(Stats(*server)["connections"], 2);
}

TEST_F(Http2ClientTest, PoolsWithTheSameTlsSettingsStillNeverShareAConnection) {
  // APNs token auth: two teams, same host and CA, no client certificate.
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request team1 = Request(*server, "/t1");
  team1.pool = "apns:team1:sandbox";
  Http2Request team2 = Request(*server, "/t2");
  team2.pool = "apns:team2:sandbox";
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(SendAndWait(*client, team1).status, 200);
    EXPECT_EQ(SendAndWait(*client, team2).status, 200);
  }
  EXPECT_EQ(Stats(*server)["connections"], 2);
}

TEST_F(Http2ClientTest, StrictServerGetsTheFirstRequestAloneThenOneMultiplexedConnection) {
  // Like APNs: SETTINGS_MAX_CONCURRENT_STREAMS is 1 until a request succeeds, then 100.
  auto server = StartServer({"--strict"});
  Http2ClientOptions options;
  options.max_connections_per_pool = 4;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  constexpr int kRequests = 30;
  Results results;
  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request(*server, "/slow?ms=200"), results.Callback());
  }
  std::vector<Http2Response> responses = results.Wait(kRequests);
  EXPECT_THAT(responses, Each(Field(&Http2Response::status, 200)));
  nlohmann::json stats = Stats(*server);
  EXPECT_EQ(stats["connections"], 1);
  EXPECT_EQ(stats["requests"], kRequests);
  EXPECT_GE(stats["maxActivePerConnection"].get<int>(), kRequests / 2);
}

TEST_F(Http2ClientTest, ConnectionsPerPoolAreCapped) {
  // The server allows 2 streams per connection; the pool may open 2 connections.
  auto server = StartServer({"--max-streams", "2"});
  Http2ClientOptions options;
  options.max_connections_per_pool = 2;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  constexpr int kRequests = 20;
  Results results;
  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request(*server, "/slow?ms=100"), results.Callback());
  }
  std::vector<Http2Response> responses = results.Wait(kRequests);
  EXPECT_THAT(responses, Each(Field(&Http2Response::status, 200)));
  nlohmann::json stats = Stats(*server);
  EXPECT_EQ(stats["maxOpenConnections"], 2);
  EXPECT_LE(stats["maxActive"].get<int>(), 4);
  EXPECT_LE(stats["maxActivePerConnection"].get<int>(), 2);
}

TEST_F(Http2ClientTest, ConnectionCapHoldsWhenTheStrictLimitIsNeverRaised) {
  // Like APNs with a refused provider token: one stream per connection and the limit is never
  // raised (no 200). The pool needs more connections, and each new one must get its first
  // stream alone: a burst on a connection whose SETTINGS are unknown gets streams refused.
  auto server = StartServer({"--strict"});
  Http2ClientOptions options;
  options.max_connections_per_pool = 4;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  constexpr int kRequests = 60;
  Results results;
  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request(*server, "/status?code=403"), results.Callback());
  }
  std::vector<Http2Response> responses = results.Wait(kRequests);
  EXPECT_THAT(responses, Each(Field(&Http2Response::status, 403)));
  nlohmann::json stats = Stats(*server);
  EXPECT_EQ(stats["requests"], kRequests);
  EXPECT_LE(stats["maxOpenConnections"].get<int>(), 4);
  EXPECT_LE(stats["connections"].get<int>(), 4);  // and none closed to open another
  EXPECT_EQ(stats["maxActivePerConnection"], 1);
}

TEST_F(Http2ClientTest, FirstRequestOfANewPoolGoesAloneThenTheRestFollow) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Results results;
  client->Send(Request(*server, "/slow?ms=300&first"), results.Callback());
  for (int i = 0; i < 5; ++i) client->Send(Request(*server, "/slow?ms=10"), results.Callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(Stats(*server)["maxActive"], 1);  // the rest wait for the first answer
  std::vector<Http2Response> responses = results.Wait(6);
  EXPECT_THAT(responses, Each(Field(&Http2Response::status, 200)));
  nlohmann::json stats = Stats(*server);
  EXPECT_EQ(stats["paths"][0], "/slow?ms=300&first");
  EXPECT_GE(stats["maxActive"].get<int>(), 2);  // then they went together
  EXPECT_EQ(stats["connections"], 1);
}

TEST_F(Http2ClientTest, RefusedStreamsAreRetriedForEveryRequest) {
  // REFUSED_STREAM means the server did not process the request: it is sent again, and the
  // retry budget is per request, not per connection or client.
  auto server = StartServer();
  Http2ClientOptions options;
  options.max_in_flight = 1;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  for (int i = 0; i < 8; ++i) {
    Http2Response response =
        SendAndWait(*client, Request(*server, absl::StrCat("/refuse-once?id=", i)));
    EXPECT_EQ(response.status, 200) << i << ": " << response.transport_error;
  }
  EXPECT_EQ(Stats(*server)["refused"], 8);
}

// How APNs answers (HEADERS with END_STREAM, no body) 10,000 times on one connection: the
// client sends no RST_STREAM for a finished stream (servers on nghttp2 >= 1.57, Node 20 here,
// send GOAWAY after about a thousand resets), so one connection carries them all.
TEST_F(Http2ClientTest, TenThousandStreamsOverOneConnection) {
  auto server = StartServer({"--strict"});
  Http2ClientOptions options;
  options.max_in_flight = 50;  // under the raised stream limit (100): one connection suffices
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  constexpr int kRequests = 10000;
  Results results;
  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request(*server, "/no-body"), results.Callback());
  }
  std::vector<Http2Response> responses = results.Wait(kRequests, std::chrono::seconds(100));
  EXPECT_THAT(responses, Each(Field(&Http2Response::status, 200)));
  EXPECT_THAT(responses, Each(Field(&Http2Response::transport_error, "")));
  nlohmann::json stats = Stats(*server);
  EXPECT_EQ(stats["requests"], kRequests);
  EXPECT_EQ(stats["connections"], 1);
}

TEST_F(Http2ClientTest, PoolUnusedForTheIdleTimeoutIsClosed) {
  auto server = StartServer();
  Http2ClientOptions options;
  options.idle_connection_timeout = absl::Seconds(1);
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  EXPECT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
  EXPECT_EQ(Stats(*server)["openConnections"], 1);

  // The pool is dropped within ~1.5 s of its last use, closing its connection.
  nlohmann::json stats;
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stats = Stats(*server);
    if (stats["openConnections"] == 0) break;
  }
  EXPECT_EQ(stats["openConnections"], 0);

  // The next request gets a new pool and connection.
  EXPECT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
  EXPECT_EQ(Stats(*server)["connections"], 2);
}

TEST_F(Http2ClientTest, InvalidHeaderIsRejectedWithoutSending) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request request = Request(*server, "/ok");
  request.headers = {{"x-injected", "a\r\nauthorization: bearer stolen"}};
  Http2Response response = SendAndWait(*client, std::move(request));
  EXPECT_EQ(response.status, 0);
  EXPECT_THAT(response.transport_error, StartsWith("invalid request: "));
  EXPECT_EQ(Stats(*server)["requests"], 0);
  // The client keeps working.
  EXPECT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
}

TEST_F(Http2ClientTest, ShutdownFailsQueuedAndInFlightRequests) {
  auto server = StartServer();
  Http2ClientOptions options;
  options.max_in_flight = 2;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  // A new pool sends its first request alone (warm-up gate); open the gate first.
  ASSERT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
  Results results;
  for (int i = 0; i < 5; ++i) {
    Http2Request request = Request(*server, "/hang");
    request.timeout = absl::Seconds(30);
    client->Send(std::move(request), results.Callback());
  }
  // Wait until the two in flight reached the server; three wait in the queue.
  for (int i = 0; i < 100 && Stats(*server)["requests"] != 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(Stats(*server)["requests"], 3);
  EXPECT_EQ(client->Pending(), 5u);

  const auto start = std::chrono::steady_clock::now();
  client->Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  std::vector<Http2Response> responses = results.Wait(5, std::chrono::milliseconds(1));
  ASSERT_EQ(responses.size(), 5u);
  EXPECT_THAT(responses, Each(Field(&Http2Response::transport_error, "shutdown")));
  EXPECT_THAT(responses, Each(Field(&Http2Response::status, 0)));
  EXPECT_EQ(client->Pending(), 0u);

  // After shutdown the callback still runs exactly once, on the caller's thread.
  Http2Response late;
  client->Send(Request(*server, "/ok"), [&](Http2Response r) { late = std::move(r); });
  EXPECT_EQ(late.transport_error, "shutdown");
  client->Shutdown();  // idempotent
}

TEST_F(Http2ClientTest, StartRejectsZeroBounds) {
  Http2ClientOptions options;
  options.max_in_flight = 0;
  EXPECT_FALSE(StartHttp2Client(options).ok());
  options.max_in_flight = 1;
  options.max_connections_per_pool = 0;
  EXPECT_FALSE(StartHttp2Client(options).ok());
}

TEST_F(Http2ClientTest, StartRejectsANonPositivePingInterval) {
  Http2ClientOptions options;
  options.ping_interval = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<Http2Client>> client = StartHttp2Client(options);
  ASSERT_FALSE(client.ok());
  EXPECT_THAT(std::string(client.status().message()), HasSubstr("ping_interval"));
}

// GOAWAY in the middle of a burst: the streams up to its last stream id are answered, the
// ones above it (never processed) go again on a new connection, each request exactly once.
TEST_F(Http2ClientTest, GoawayInTheMiddleOfABurstRetriesOnlyTheUnprocessedStreams) {
  auto server = StartServer({"--goaway-after", "5"});
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  constexpr int kRequests = 20;
  Results results;
  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request(*server, absl::StrCat("/slow?ms=50&i=", i)), results.Callback());
  }
  std::vector<Http2Response> responses = results.Wait(kRequests);
  EXPECT_THAT(responses, Each(Field(&Http2Response::status, 200)));
  nlohmann::json stats = Stats(*server);
  EXPECT_GE(stats["ignored"].get<int>(), 1);  // the burst did go past the GOAWAY
  EXPECT_GE(stats["connections"].get<int>(), 2);
  std::set<std::string> answered;
  for (const auto& path : stats["paths"]) answered.insert(path.get<std::string>());
  EXPECT_EQ(answered.size(), static_cast<size_t>(kRequests));  // each processed once
  EXPECT_EQ(stats["requests"], kRequests);
}

TEST_F(Http2ClientTest, ResetFromThePeerFailsOnlyThatStream) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  ASSERT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
  Http2Response reset = SendAndWait(*client, Request(*server, "/reset?code=2"));  // INTERNAL
  EXPECT_EQ(reset.status, 0);
  EXPECT_EQ(reset.transport_error, "connection closed: GOAWAY/stream reset");
  EXPECT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
  EXPECT_EQ(Stats(*server)["connections"], 1);  // the connection survived
}

TEST_F(Http2ClientTest, MaxConcurrentStreamsOneIsRespected) {
  auto server = StartServer({"--max-streams", "1"});
  Http2ClientOptions options;
  options.max_connections_per_pool = 1;
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  constexpr int kRequests = 10;
  Results results;
  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request(*server, "/slow?ms=20"), results.Callback());
  }
  EXPECT_THAT(results.Wait(kRequests), Each(Field(&Http2Response::status, 200)));
  nlohmann::json stats = Stats(*server);
  EXPECT_EQ(stats["connections"], 1);
  EXPECT_EQ(stats["maxActivePerConnection"], 1);
  EXPECT_EQ(stats["refused"], 0);
}

// The server's stream window is 0 for its first second: the body waits, then goes whole
// (past the first window, so through the server's WINDOW_UPDATEs).
TEST_F(Http2ClientTest, BodyWaitsWhileTheFlowControlWindowIsZero) {
  auto server = StartServer({"--zero-window-ms", "1000"});
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request request = Request(*server, "/status?code=201");
  request.body = std::string(200000, 'b');
  Results results;
  client->Send(std::move(request), results.Callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Stats(*server)["requests"], 0);  // the body could not be sent yet
  std::vector<Http2Response> responses = results.Wait(1);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 201) << responses[0].transport_error;
  EXPECT_EQ(Stats(*server)["lastBodyBytes"], 200000);
}

TEST_F(Http2ClientTest, SlowHeadersTimeOutAndTheLateAnswerIsDropped) {
  auto server = StartServer();
  auto client = StartClient();
  ASSERT_TRUE(server && client);
  Http2Request request = Request(*server, "/slow?ms=600");
  request.timeout = absl::Milliseconds(200);
  Http2Response response = SendAndWait(*client, std::move(request));
  EXPECT_TRUE(response.timed_out);
  EXPECT_EQ(response.transport_error, "timeout");
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // the answer comes and goes
  EXPECT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
  EXPECT_EQ(Stats(*server)["connections"], 1);
  EXPECT_EQ(client->Pending(), 0u);
}

// A peer that completes the handshake and then neither reads nor writes: requests time out,
// the keep-alive PING goes unanswered and the connection is closed; nothing hangs.
TEST_F(Http2ClientTest, APeerThatStopsReadingTimesOutAndIsDropped) {
  auto server = StartServer({"--mode", "stall"});
  Http2ClientOptions options;
  options.ping_interval = absl::Milliseconds(200);
  options.ping_timeout = absl::Milliseconds(300);
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  Results results;
  for (int i = 0; i < 5; ++i) {
    Http2Request request = Request(*server, "/ok");
    request.body = std::string(100000, 'x');
    request.timeout = absl::Milliseconds(500);
    client->Send(std::move(request), results.Callback());
  }
  std::vector<Http2Response> responses = results.Wait(5, std::chrono::seconds(5));
  EXPECT_THAT(responses, Each(Field(&Http2Response::transport_error, "timeout")));
  EXPECT_EQ(Stats(*server)["connections"], 1);
  // Idle, the connection is pinged, the PING goes unanswered and the connection is dropped:
  // the next request needs a new one.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  Http2Request next = Request(*server, "/ok");
  next.timeout = absl::Milliseconds(300);
  EXPECT_EQ(SendAndWait(*client, std::move(next)).transport_error, "timeout");
  EXPECT_EQ(Stats(*server)["connections"], 2);
  const auto start = std::chrono::steady_clock::now();
  client->Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(Http2ClientTest, IdleConnectionIsKeptAliveWithPings) {
  auto server = StartServer();
  Http2ClientOptions options;
  options.ping_interval = absl::Milliseconds(200);
  auto client = StartClient(options);
  ASSERT_TRUE(server && client);
  ASSERT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  nlohmann::json stats = Stats(*server);
  EXPECT_GE(stats["pings"].get<int>(), 1);
  EXPECT_EQ(stats["openConnections"], 1);
  EXPECT_EQ(SendAndWait(*client, Request(*server, "/ok")).status, 200);
  EXPECT_EQ(Stats(*server)["connections"], 1);
}
}  // namespace
}  // namespace pushgate::providers
