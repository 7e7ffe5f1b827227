#include "http/http_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_client.h"
#include "webhook/webhook_handler.h"

namespace pushgate::http {
namespace {

using ::pushgate::http::testing::Connection;
using ::pushgate::http::testing::GetRequest;
using ::pushgate::http::testing::ParsedResponse;
using ::pushgate::http::testing::PostRequest;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Answers "<method> <target> <body size>", optionally after a delay and from another thread,
// and records what it saw.
class EchoHandler {
 public:
  std::atomic<int> calls{0};
  std::atomic<int> delay_ms{0};
  std::mutex mu;
  std::vector<HttpRequest> seen;

  HttpHandler Get() {
    return [this](HttpRequest&& request, Respond respond) {
      ++calls;
      HttpResponse r;
      r.content_type = "text/plain";
      r.body = request.method + " " + request.target + " " + std::to_string(request.body.size());
      if (request.Path() == "/status/405") {
        r.status = 405;
        r.headers.emplace_back("Allow", "POST");
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(std::move(request));
      }
      const int delay = delay_ms.load();
      if (delay == 0) {
        respond(std::move(r));
        return;
      }
      std::thread([respond, r, delay] {
        std::this_thread::sleep_for(milliseconds(delay));
        respond(r);
      }).detach();
    };
  }
};

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    config_.address = "127.0.0.1:0";
    config_.max_body_bytes = 4096;
    config_.max_header_bytes = 2048;
    config_.read_timeout_ms = 2000;
    config_.idle_timeout_ms = 5000;
  }

  void Start(HttpHandler handler = nullptr) {
    if (!handler) handler = echo_.Get();
    auto server = StartHttpServer(config_, std::move(handler), [this](int status) {
      std::lock_guard<std::mutex> lock(mu_);
      protocol_errors_.push_back(status);
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_GT(server_->port(), 0);
  }

  std::vector<int> ProtocolErrors() {
    std::lock_guard<std::mutex> lock(mu_);
    return protocol_errors_;
  }

  // The protocol errors once `count` have been reported (or after 2 s). A timed-out read is
  // reported by its completion handler, which runs after the socket was closed: a client can
  // see the close first.
  std::vector<int> ProtocolErrorsOnce(size_t count) {
    const auto deadline = Clock::now() + milliseconds(2000);
    while (ProtocolErrors().size() < count && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    return ProtocolErrors();
  }

  Connection& Connect() {
    connections_.push_back(std::make_unique<Connection>());
    EXPECT_TRUE(connections_.back()->Connect(server_->port()));
    return *connections_.back();
  }

  // Declared first so they are destroyed last: the server's thread reports protocol errors
  // (e.g. a connection closed mid-request as connections_ go) until server_ is destroyed.
  std::mutex mu_;
  std::vector<int> protocol_errors_;
  config::HttpConfig config_;
  EchoHandler echo_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

TEST_F(HttpServerTest, AnswersAndPassesTheRequestThrough) {
  Start();
  Connection& c = Connect();
  ASSERT_TRUE(c.Send(PostRequest("/webhook?x=1", "{\"a\":1}", "X-Custom: Value")));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /webhook?x=1 7");
  EXPECT_EQ(r->Header("server"), "pushgate");
  EXPECT_THAT(r->Header("date"), HasSubstr("GMT"));
  EXPECT_EQ(r->Header("content-type"), "text/plain");

  std::lock_guard<std::mutex> lock(echo_.mu);
  ASSERT_EQ(echo_.seen.size(), 1u);
  const HttpRequest& seen = echo_.seen[0];
  EXPECT_EQ(seen.body, "{\"a\":1}");
  EXPECT_EQ(seen.Header("x-custom"), "Value");  // names lower-cased, values kept
  EXPECT_EQ(seen.Header("content-type"), "application/json");
  EXPECT_EQ(seen.Path(), "/webhook");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
}

TEST_F(HttpServerTest, KeepsTheConnectionAliveAcrossRequests) {
  Start();
  Connection& c = Connect();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.Send(PostRequest("/r" + std::to_string(i), std::string(i * 10, 'x'))));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->body, "POST /r" + std::to_string(i) + " " + std::to_string(i * 10));
    EXPECT_EQ(r->Header("connection"), "");
  }
  EXPECT_EQ(echo_.calls.load(), 5);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrderEvenWhenAnsweredLater) {
  echo_.delay_ms = 30;  // every answer comes from another thread, later
  Start();
  Connection& c = Connect();
  std::string burst;
  for (int i = 0; i < 4; ++i) burst += PostRequest("/p" + std::to_string(i), "{}");
  burst += GetRequest("/last");
  ASSERT_TRUE(c.Send(burst));
  for (int i = 0; i < 4; ++i) {
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->body, "POST /p" + std::to_string(i) + " 2");
  }
  auto last = c.ReadResponse();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->body, "GET /last 0");
}

TEST_F(HttpServerTest, HandlerStatusAndHeadersReachTheClient) {
  Start();
  Connection& c = Connect();
  ASSERT_TRUE(c.Send(GetRequest("/status/405")));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "POST");
}

TEST_F(HttpServerTest, HeadGetsHeadersOnly) {
  Start();
  Connection& c = Connect();
  ASSERT_TRUE(c.Send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n" + GetRequest("/after")));
  auto head = c.ReadResponse(milliseconds(3000), /*head=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->Header("content-length"), std::to_string(std::string("HEAD /x 0").size()));
  auto next = c.ReadResponse();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "GET /after 0");  // framing intact after the bodiless answer
}

TEST_F(HttpServerTest, ClientConnectionCloseIsHonoured) {
  Start();
  Connection& c = Connect();
  ASSERT_TRUE(c.Send(GetRequest("/bye", "Connection: close")));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(milliseconds(2000)));
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  Start();
  Connection& c = Connect();
  ASSERT_TRUE(c.Send("GET /old HTTP/1.0\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.WaitClosed(milliseconds(2000)));

  Connection& k = Connect();
  ASSERT_TRUE(k.Send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  r = k.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Header("connection"), "keep-alive");
  ASSERT_TRUE(k.Send("GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_TRUE(k.ReadResponse().has_value());
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413AndNeverReachesTheHandler) {
  Start();
  Connection& c = Connect();
  ASSERT_TRUE(c.Send(PostRequest("/webhook", std::string(config_.max_body_bytes + 1, 'x'))));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_FALSE(nlohmann::json::parse(r->body)["message"].get<std::string>().empty());
  EXPECT_TRUE(c.WaitClosed(milliseconds(2000)));
  EXPECT_EQ(echo_.calls.load(), 0);
  EXPECT_THAT(ProtocolErrors(), ::testing::ElementsAre(413));

  // Exactly at the limit is fine.
  Connection& ok = Connect();
  ASSERT_TRUE(ok.Send(PostRequest("/webhook", std::string(config_.max_body_bytes, 'x'))));
  r = ok.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, DeclaredOversizeBodyIsRefusedBeforeItIsSent) {
  Start();
  Connection& c = Connect();
  ASSERT_TRUE(
      c.Send("POST /webhook HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
             "Content-Length: 999999999\r\n\r\n"));
  auto r = c.ReadResponse(milliseconds(2000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
}

TEST_F(HttpServerTest, ChunkedBodiesCountTowardsTheLimitToo) {
  Start();
  Connection& c = Connect();
  std::string chunked = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) chunked += "400\r\n" + std::string(1024, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  ASSERT_TRUE(c.Send(chunked));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);

  Connection& small = Connect();
  ASSERT_TRUE(
      small.Send("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  r = small.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "POST /c 5");
}

TEST_F(HttpServerTest, HeaderOverTheLimitIs431) {
  Start();
  Connection& c = Connect();
  ASSERT_TRUE(c.Send(GetRequest("/", "X-Big: " + std::string(config_.max_header_bytes, 'h'))));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(milliseconds(2000)));
  EXPECT_EQ(echo_.calls.load(), 0);
  EXPECT_THAT(ProtocolErrors(), ::testing::ElementsAre(431));
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  Start();
  for (const std::string& garbage :
       {std::string("NOT HTTP AT ALL\r\n\r\n"), std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n")}) {
    Connection& c = Connect();
    ASSERT_TRUE(c.Send(garbage));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value()) << garbage;
    EXPECT_EQ(r->status, 400) << garbage;
    EXPECT_NO_THROW(nlohmann::json::parse(r->body));
    EXPECT_TRUE(c.WaitClosed(milliseconds(2000)));
  }
  EXPECT_EQ(echo_.calls.load(), 0);
  EXPECT_THAT(ProtocolErrors(), ::testing::ElementsAre(400, 400, 400));
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimResponse) {
  Start();
  Connection& c = Connect();
  const std::string body = "{\"k\":\"v\"}";
  ASSERT_TRUE(
      c.Send("POST /e HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
             "Expect: 100-continue\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = c.ReadResponse(milliseconds(2000));
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send(body));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "POST /e " + std::to_string(body.size()));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionsAreClosed) {
  config_.idle_timeout_ms = 200;
  Start();
  Connection& c = Connect();
  ASSERT_TRUE(c.Send(GetRequest("/")));
  ASSERT_TRUE(c.ReadResponse().has_value());
  const auto start = Clock::now();
  EXPECT_TRUE(c.WaitClosed(milliseconds(3000)));
  EXPECT_GE(Clock::now() - start, milliseconds(150));
  EXPECT_LT(Clock::now() - start, milliseconds(2000));

  // A client that connects and never sends anything is closed the same way.
  Connection& silent = Connect();
  EXPECT_TRUE(silent.WaitClosed(milliseconds(3000)));
  EXPECT_TRUE(ProtocolErrors().empty());  // idling is not an error
}

TEST_F(HttpServerTest, SlowClientsAreCutOffAtTheReadTimeout) {
  config_.read_timeout_ms = 300;
  config_.idle_timeout_ms = 10000;
  Start();
  Connection& c = Connect();
  const std::string request = PostRequest("/slow", std::string(200, 'z'));
  const auto start = Clock::now();
  bool closed = false;
  // One byte every 50 ms would take 10+ s; the server must not wait for it.
  for (size_t i = 0; i < request.size() && !closed; ++i) {
    if (!c.Send(request.substr(i, 1))) break;
    closed = c.WaitClosed(milliseconds(50));
  }
  if (!closed) closed = c.WaitClosed(milliseconds(2000));
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(echo_.calls.load(), 0);
  EXPECT_THAT(ProtocolErrorsOnce(1), ::testing::ElementsAre(408));
}

TEST_F(HttpServerTest, ResponsesFromOtherThreadsAndLateDoubleAnswersAreSafe) {
  Start([](HttpRequest&&, Respond respond) {
    std::thread([respond] {
      HttpResponse first;
      first.body = "first";
      respond(first);
      HttpResponse second;
      second.body = "second";
      respond(second);  // ignored: one answer per request
    }).detach();
  });
  Connection& c = Connect();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(GetRequest("/")));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, "first");
  }
}

TEST_F(HttpServerTest, HandlerExceptionsBecome500) {
  Start([](HttpRequest&&, Respond) { throw std::runtime_error("boom"); });
  Connection& c = Connect();
  ASSERT_TRUE(c.Send(GetRequest("/")));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500);
  EXPECT_THAT(r->body, ::testing::Not(HasSubstr("boom")));
}

TEST_F(HttpServerTest, SeveralThreadsServeConcurrentClients) {
  config_.threads = 2;
  echo_.delay_ms = 5;
  Start();
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      Connection c;
      if (!c.Connect(server_->port())) return;
      for (int i = 0; i < 20; ++i) {
        const std::string target = "/t" + std::to_string(t) + "/" + std::to_string(i);
        if (!c.Send(GetRequest(target))) return;
        auto r = c.ReadResponse();
        if (r && r->body == "GET " + target + " 0") ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 8 * 20);
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsAndFinishesInFlightRequests) {
  echo_.delay_ms = 300;
  Start();
  Connection& idle = Connect();
  ASSERT_TRUE(idle.Send(GetRequest("/warm")));
  ASSERT_TRUE(idle.ReadResponse().has_value());
  Connection& busy = Connect();
  ASSERT_TRUE(busy.Send(GetRequest("/slow")));
  std::this_thread::sleep_for(milliseconds(50));  // the handler has it now

  const auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, milliseconds(1500));
  auto r = busy.ReadResponse(milliseconds(2000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "GET /slow 0");
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(busy.WaitClosed(milliseconds(2000)));
  EXPECT_TRUE(idle.WaitClosed(milliseconds(2000)));

  Connection after;
  EXPECT_FALSE(after.Connect(server_->port()));  // no longer listening
  server_->Stop();                               // idempotent
}

TEST_F(HttpServerTest, StopDoesNotWaitForeverForAHandlerThatNeverAnswers) {
  config_.read_timeout_ms = 200;
  std::vector<Respond> never;
  std::mutex never_mu;
  Start([&](HttpRequest&&, Respond respond) {
    std::lock_guard<std::mutex> lock(never_mu);
    never.push_back(std::move(respond));
  });
  Connection& c = Connect();
  ASSERT_TRUE(c.Send(GetRequest("/")));
  std::this_thread::sleep_for(milliseconds(50));
  const auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_TRUE(c.WaitClosed(milliseconds(1000)));
  // Answering after the server is gone is harmless.
  HttpResponse late;
  std::lock_guard<std::mutex> lock(never_mu);
  for (auto& respond : never) respond(late);
  server_.reset();
  never.clear();
}

TEST(StartHttpServer, ReportsBadAddressesAndPortsInUse) {
  config::HttpConfig config;
  config.address = "not-an-address";
  auto bad = StartHttpServer(
      config, [](HttpRequest&&, Respond) {}, nullptr);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);

  config.address = "127.0.0.1:0";
  auto first = StartHttpServer(
      config, [](HttpRequest&&, Respond) {}, nullptr);
  ASSERT_TRUE(first.ok());
  config.address = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = StartHttpServer(
      config, [](HttpRequest&&, Respond) {}, nullptr);
  EXPECT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("http.address"));
}

// ---- TLS ------------------------------------------------------------------------------------

class TlsTest : public HttpServerTest {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() /
           ("pushgate-http-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '" +
        (dir_ / "key.pem").string() + "' -out '" + (dir_ / "cert.pem").string() +
        "' -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
        ">/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl CLI failed";
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  void StartTls() {
    config_.tls.cert_file = (dir_ / "cert.pem").string();
    config_.tls.key_file = (dir_ / "key.pem").string();
    Start();
  }

  // A client context that trusts the test certificate; `max_version` 0 = no cap.
  static SSL_CTX* ClientContext(int max_version = 0) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, (dir_ / "cert.pem").string().c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (max_version != 0) {
      SSL_CTX_set_security_level(ctx, 0);  // let the client even offer old versions
      SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx, max_version);
    }
    return ctx;
  }

  static std::filesystem::path dir_;
};
std::filesystem::path TlsTest::dir_;

TEST_F(TlsTest, ServesHttpsWithKeepAlive) {
  StartTls();
  SSL_CTX* ctx = ClientContext();
  Connection c;
  ASSERT_TRUE(c.ConnectTls(server_->port(), ctx));
  EXPECT_GE(SSL_version(c.ssl()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_get_verify_result(c.ssl()), X509_V_OK);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(PostRequest("/tls", "{}")));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, "POST /tls 2");
  }
  ASSERT_TRUE(c.Send(PostRequest("/big", std::string(config_.max_body_bytes + 1, 'x'))));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  c.Close();
  SSL_CTX_free(ctx);
}

TEST_F(TlsTest, RefusesTlsOlderThan12) {
  StartTls();
  SSL_CTX* ctx = ClientContext(TLS1_1_VERSION);
  Connection c;
  EXPECT_FALSE(c.ConnectTls(server_->port(), ctx));
  c.Close();
  SSL_CTX_free(ctx);
  ERR_clear_error();
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsNothing) {
  StartTls();
  Connection& c = Connect();
  ASSERT_TRUE(c.Send(GetRequest("/")));
  EXPECT_TRUE(c.WaitClosed(milliseconds(3000)));
  EXPECT_EQ(echo_.calls.load(), 0);
}

TEST_F(TlsTest, UnreadableFilesAreReported) {
  config_.tls.cert_file = (dir_ / "missing.pem").string();
  config_.tls.key_file = (dir_ / "key.pem").string();
  auto server = StartHttpServer(config_, echo_.Get(), nullptr);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("http.tls.cert_file"));
  config_.tls.cert_file = (dir_ / "cert.pem").string();
  config_.tls.key_file = (dir_ / "cert.pem").string();  // not a key
  server = StartHttpServer(config_, echo_.Get(), nullptr);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("http.tls.key_file"));
}

// ---- the real webhook handler behind the real server ------------------------------------

class CommittingStore : public store::IngestStore, public store::StoreHealth {
 public:
  absl::Status IngestNotification(domain::NewNotification n,
                                  store::Callback<store::IngestResult> done) override {
    if (refuse) return absl::UnavailableError("queue full");
    const int64_t id = ++last_id;
    // Commit on another thread, like the real writer.
    std::thread([done, id] { done(store::IngestResult{id, false}); }).detach();
    (void)n;
    return absl::OkStatus();
  }
  absl::Status CheckWritable() override { return absl::OkStatus(); }
  store::StoreStats Stats() override { return {}; }

  std::atomic<int64_t> last_id{0};
  std::atomic<bool> refuse{false};
};

std::string ReadChatFixture() {
  std::ifstream in(std::string(PUSHGATE_FIXTURES_DIR) + "/chat.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(HttpServerTest, WebhookEndToEndOverTheWire) {
  config::Config config;
  config::App app;
  app.app_id = "app123";
  config::BasicAuthCredential pair;
  pair.username = "cometchat";
  pair.password.value = "pw";
  app.webhook.basic_auth.push_back(pair);
  config.apps.push_back(app);
  CommittingStore store;
  metrics::Registry registry;
  webhook::WebhookDeps deps;
  deps.config = &config;
  deps.ingest = &store;
  deps.health = &store;
  deps.metrics = &registry;
  auto server = StartHttpServer(config_, webhook::MakeHttpHandler(deps),
                                webhook::MakeProtocolErrorHook(registry));
  ASSERT_TRUE(server.ok());
  Connection c;
  ASSERT_TRUE(c.Connect((*server)->port()));

  const std::string auth = "Authorization: Basic " + Base64Encode("cometchat:pw");
  ASSERT_TRUE(c.Send(PostRequest("/webhook", ReadChatFixture(), auth)));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body)["id"], "1");

  ASSERT_TRUE(c.Send(GetRequest("/webhook")));
  r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "POST");

  ASSERT_TRUE(c.Send(PostRequest("/webhook", ReadChatFixture())));
  r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_THAT(r->Header("www-authenticate"), HasSubstr("Basic"));

  store.refuse = true;
  ASSERT_TRUE(c.Send(PostRequest("/webhook", ReadChatFixture(), auth)));
  r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("retry-after"), "1");

  ASSERT_TRUE(c.Send(PostRequest("/webhook", std::string(config_.max_body_bytes + 1, ' '), auth)));
  r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);

  Connection m;
  ASSERT_TRUE(m.Connect((*server)->port()));
  ASSERT_TRUE(m.Send(GetRequest("/metrics")));
  r = m.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_THAT(r->body,
              HasSubstr("pushgate_http_requests_total{route=\"unparsed\",status=\"413\"} 1"));
  EXPECT_THAT(r->body,
              HasSubstr("pushgate_http_requests_total{route=\"webhook\",status=\"503\"} 1"));
  (*server)->Stop();
}

}  // namespace
}  // namespace pushgate::http
