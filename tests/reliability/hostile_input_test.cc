// Hostile input against the real binary while a background poster keeps sending good webhooks
// (each of which must still get its 200): huge headers, an endless chunked body, slowloris,
// pipelining, invalid UTF-8, deeply nested JSON, a 10 MB JSON; and over gRPC an oversized
// message, a bad enum value, a missing API key and another app's key. Each is refused with the
// right code, and nothing else suffers.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "gtest/gtest.h"
#include "pushgate/v1/token_registry.grpc.pb.h"
#include "reliability_env.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;
namespace v1 = pushgate::v1;

constexpr int kReadTimeoutMs = 1500;

// A plain TCP connection for bytes no HTTP library would send.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // False once the peer has closed or reset the connection.
  bool Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  bool Readable(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
  }

  // Reads until the peer closes, `enough` holds for what was read, or `timeout_ms` passes.
  std::string Read(int timeout_ms, const std::function<bool(const std::string&)>& enough) {
    std::string in;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!enough(in) && std::chrono::steady_clock::now() < deadline) {
      if (!Readable(50)) continue;
      char buf[8192];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      in.append(buf, static_cast<size_t>(n));
    }
    return in;
  }
  std::string ReadUntilClosed(int timeout_ms) {
    return Read(timeout_ms, [](const std::string&) { return false; });
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

int CountOf(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string data_dir = dir_.path() + "/data";
    json config = json::parse(TestConfig(data_dir));
    config["http"]["read_timeout_ms"] = kReadTimeoutMs;
    config["grpc"]["max_message_bytes"] = 1 << 20;
    server_ = PushgateProcess::Start({config.dump(2), data_dir});
    ASSERT_NE(server_, nullptr);
    port_ = server_->http_port();
    poster_ = std::make_unique<WebhookPoster>(std::vector<std::string>{"bystander"},
                                              std::chrono::milliseconds(5));
    poster_->Start(&port_);
  }

  // Normal traffic went on untouched through the attack, and the server is still healthy.
  void TearDown() override {
    if (poster_ == nullptr) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    poster_->Stop();
    EXPECT_EQ(poster_->refused(), 0) << "a good webhook was refused: " << poster_->last_refusal();
    EXPECT_GT(poster_->acknowledged(), 0);
    EXPECT_EQ(HttpGet(server_->http_url("/healthz")).status, 200);
    EXPECT_TRUE(server_->running());
    EXPECT_EQ(server_->Terminate(), 0) << server_->Log();
  }

  std::string Auth() const { return BasicAuthHeader("cometchat", "secret-pass"); }

  HttpResult PostRaw(const std::string& body) {
    return HttpRequest("POST", server_->http_url("/webhook"), body,
                       {"Content-Type: application/json", Auth()}, 30'000);
  }

  std::unique_ptr<v1::TokenRegistry::Stub> Registry() {
    return v1::TokenRegistry::NewStub(
        grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Register(const v1::RegisterTokenRequest& req, const std::string& key) {
    grpc::ClientContext context;
    if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::RegisterTokenResponse out;
    return Registry()->RegisterToken(&context, req, &out);
  }

  static v1::RegisterTokenRequest GoodRegistration() {
    v1::RegisterTokenRequest req;
    req.set_app_id("app123");
    req.set_uid("mallory");
    req.set_session_id("phone");
    req.set_platform(v1::PLATFORM_APNS);
    req.set_token(std::string(64, 'a'));
    req.mutable_apns()->set_topic("com.example.chat");
    req.mutable_apns()->set_environment(v1::APNS_ENVIRONMENT_SANDBOX);
    return req;
  }

  std::string Db() const { return dir_.path() + "/data/pushgate.db"; }

  TempDir dir_;
  std::unique_ptr<PushgateProcess> server_;
  std::atomic<int> port_{0};
  std::unique_ptr<WebhookPoster> poster_;
};

bool HasStatusLine(const std::string& in) { return in.find("\r\n\r\n") != std::string::npos; }

TEST_F(HostileInputTest, HugeHeadersAre431) {
  RawConnection c(server_->http_port());
  ASSERT_TRUE(c.ok());
  c.Send("POST /webhook HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(256 * 1024, 'a') +
         "\r\n\r\n");
  const std::string answer = c.Read(10'000, HasStatusLine);
  EXPECT_EQ(answer.rfind("HTTP/1.1 431 ", 0), 0u) << answer.substr(0, 200);
}

TEST_F(HostileInputTest, EndlessChunkedBodyIs413AndTheConnectionClosed) {
  RawConnection c(server_->http_port());
  ASSERT_TRUE(c.ok());
  c.Send("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + Auth() +
         "\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "4000\r\n" + std::string(0x4000, ' ') + "\r\n";
  // Far past the 256 KiB limit unless the server stops it: 64 MiB.
  size_t sent = 0;
  while (sent < (64u << 20) && !c.Readable(0) && c.Send(chunk)) sent += chunk.size();
  const std::string answer = c.ReadUntilClosed(10'000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 ", 0), 0u) << answer.substr(0, 200);
  EXPECT_TRUE(c.closed());
  EXPECT_LT(sent, 64u << 20) << "the server read an endless body to the end";
}

TEST_F(HostileInputTest, SlowlorisConnectionsAreClosedAfterTheReadTimeout) {
  // Many connections each dribbling a header byte every 100 ms: none ever completes a request.
  constexpr int kConnections = 50;
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kConnections; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_->http_port()));
    ASSERT_TRUE(slow.back()->ok());
    slow.back()->Send("POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int open = kConnections;
  while (open > 0 && std::chrono::steady_clock::now() < give_up) {
    open = 0;
    for (auto& c : slow) {
      if (c->closed()) continue;
      if (!c->Send("a")) {
        c->ReadUntilClosed(0);
        if (!c->closed()) c->ReadUntilClosed(100);
      }
      if (c->Readable(0)) c->ReadUntilClosed(100);
      if (!c->closed()) ++open;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(open, 0) << "slowloris connections still held open well past the read timeout";
}

TEST_F(HostileInputTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection c(server_->http_port());
  ASSERT_TRUE(c.ok());
  std::string requests;
  for (int i = 0; i < 3; ++i) {
    const std::string body = ChatNumbered("pipelined", i);
    requests += "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + Auth() +
                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  requests += "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_TRUE(c.Send(requests));
  const std::string answers = c.ReadUntilClosed(10'000);
  EXPECT_EQ(CountOf(answers, "HTTP/1.1 200 "), 4) << answers;
  // Three distinct notifications, stored in the order sent.
  std::regex id_re(R"re("id":"(\d+)")re");
  std::vector<int64_t> ids;
  for (std::sregex_iterator it(answers.begin(), answers.end(), id_re), end; it != end; ++it) {
    ids.push_back(std::stoll((*it)[1]));
  }
  ASSERT_EQ(ids.size(), 3u) << answers;
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
}

TEST_F(HostileInputTest, InvalidUtf8Is400WithAMessage) {
  std::string body = ChatPayloadFor("utf8-victim");
  const size_t at = body.find("Hello!");
  ASSERT_NE(at, std::string::npos);
  body.replace(at, 6, "\xff\xfe\xc3\x28");
  const HttpResult r = PostRaw(body);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(json::parse(r.body, nullptr, false).contains("message")) << r.body;
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM notifications WHERE uid = 'utf8-victim'"), "0");
}

TEST_F(HostileInputTest, DeeplyNestedJsonIs400) {
  for (const std::string& body :
       {std::string(200'000, '['), std::string(100'000, '[') + std::string(100'000, ']'), [] {
          std::string s;
          for (int i = 0; i < 20'000; ++i) s += "{\"a\":";
          return s + "1" + std::string(20'000, '}');
        }()}) {
    const HttpResult r = PostRaw(body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(json::parse(r.body, nullptr, false).contains("message")) << r.body;
  }
}

TEST_F(HostileInputTest, TenMegabyteJsonIs413) {
  json doc = json::parse(ChatPayloadFor("big-victim"));
  doc["data"]["padding"] = std::string(10 * 1024 * 1024, 'x');
  const HttpResult r = PostRaw(doc.dump());
  EXPECT_EQ(r.status, 413) << r.error << r.body;
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM notifications WHERE uid = 'big-victim'"), "0");
}

TEST_F(HostileInputTest, OversizedGrpcMessageIsResourceExhausted) {
  v1::RegisterTokenRequest req = GoodRegistration();
  (*req.mutable_device()->mutable_labels())["padding"] = std::string(2 * 1024 * 1024, 'x');
  EXPECT_EQ(Register(req, "test-api-key").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM registrations"), "0");
}

TEST_F(HostileInputTest, BadEnumValueIsInvalidArgument) {
  v1::RegisterTokenRequest req = GoodRegistration();
  req.set_platform(static_cast<v1::Platform>(99));
  EXPECT_EQ(Register(req, "test-api-key").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req = GoodRegistration();
  req.mutable_apns()->set_environment(static_cast<v1::ApnsEnvironment>(42));
  EXPECT_EQ(Register(req, "test-api-key").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM registrations"), "0");
}

TEST_F(HostileInputTest, MissingOrForeignApiKeyIsRefused) {
  EXPECT_EQ(Register(GoodRegistration(), "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Register(GoodRegistration(), "not-a-key").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // app456's key on app123's data.
  EXPECT_EQ(Register(GoodRegistration(), "other-api-key").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM registrations"), "0");
  EXPECT_TRUE(Register(GoodRegistration(), "test-api-key").ok());
}

}  // namespace
}  // namespace pushgate::testing
