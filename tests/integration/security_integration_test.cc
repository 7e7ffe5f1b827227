// The locked doors through the real binary: gRPC over TLS and mTLS (certificates made by the
// test with the openssl CLI), API-key roles, per-key rate limits, the webhook's Basic Auth
// lockout per source address, SIGHUP reload under load, and no secret in the log.
#include <curl/curl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "harness.h"
#include "pushgate/v1/token_registry.grpc.pb.h"
#include "pushgate_client.h"

namespace pushgate::testing {
namespace {

using client::ClientOptions;
using client::PushgateClient;

// Runs a shell command; fails the test when it does not exit 0.
void Sh(const std::string& command) {
  const int rc = std::system(("set -e; " + command + " >/dev/null 2>&1").c_str());
  ASSERT_EQ(rc, 0) << command;
}

// A CA, a server certificate it signs (for localhost and 127.0.0.1), a client certificate
// it signs, and a second CA nobody trusts with a client certificate of its own.
struct TestPki {
  explicit TestPki(const std::string& dir) : dir(dir) {
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    for (const char* ca : {"ca", "rogue-ca"}) {
      Sh("cd " + dir + " && openssl req -x509 " + ec + " -keyout " + ca + ".key -out " + ca +
         ".pem -days 2 -subj /CN=" + ca);
    }
    WriteFile(dir + "/server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    WriteFile(dir + "/client.ext", "extendedKeyUsage=clientAuth\n");
    Issue("server", "ca", "server.ext");
    Issue("client", "ca", "client.ext");
    Issue("rogue-client", "rogue-ca", "client.ext");
  }

  void Issue(const std::string& name, const std::string& ca, const std::string& ext) {
    Sh("cd " + dir + " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes " +
       "-keyout " + name + ".key -out " + name + ".csr -subj /CN=" + name +
       " && openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
       ".key -CAcreateserial -days 2 -out " + name + ".pem -extfile " + ext);
  }

  std::string Path(const std::string& file) const { return dir + "/" + file; }
  std::string dir;
};

// One app with a key per role; `grpc` and `more` are JSON members spliced in.
std::string SecurityConfig(const std::string& data_dir, const std::string& grpc,
                           const std::string& more = "") {
  std::string config = R"({
    "data_dir": ")" + data_dir +
                       R"(",
    "http": {"address": "127.0.0.1:0"},
    "grpc": )" + grpc + R"(,
    "engine": {"enabled": false},
    "apps": [{"app_id": "app123",
      "webhook": {"basic_auth": [{"username": "cometchat", "password": {"value": "webhook-pw-7781"}}]},
      "api_keys": [
        {"name": "mobile", "key": {"value": "register-key-5512"}, "role": "register"},
        {"name": "dashboard", "key": {"value": "read-key-9034"}, "role": "read"},
        {"name": "ops", "key": {"value": "sha256:e524ddf32085643322c9925c6677cab6a0040729f66490e58b7c0ea20677f1e2"},
         "role": "admin"}]}])";
  if (!more.empty()) config += ",\n" + more;
  return config + "\n}\n";
}

v1::ListTokensRequest ListRequest() {
  v1::ListTokensRequest req;
  req.set_app_id("app123");
  req.set_uid("alice");
  return req;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<TestPki>(dir_.path());
    const std::string grpc = R"({"address": "127.0.0.1:0", "tls": {"cert_file": ")" +
                             pki_->Path("server.pem") + R"(", "key_file": ")" +
                             pki_->Path("server.key") + R"(", "client_ca_file": ")" +
                             pki_->Path("ca.pem") + R"(", "require_client_cert": true}})";
    server_ = PushgateProcess::Start(
        {SecurityConfig(dir_.path() + "/data", grpc), dir_.path() + "/data"});
    ASSERT_NE(server_, nullptr);
  }

  // A ListTokens with the read key over TLS, trusting `ca` and presenting `client` (a name
  // of TestPki's files, or "" for no client certificate).
  absl::Status ListWith(const std::string& ca, const std::string& client) {
    ClientOptions options;
    options.address = server_->grpc_address();
    options.api_key = "read-key-9034";
    options.timeout = absl::Seconds(5);
    options.tls.enabled = true;
    options.tls.ca_file = pki_->Path(ca + ".pem");
    options.tls.server_name = "localhost";
    if (!client.empty()) {
      options.tls.cert_file = pki_->Path(client + ".pem");
      options.tls.key_file = pki_->Path(client + ".key");
    }
    absl::StatusOr<std::unique_ptr<PushgateClient>> c = PushgateClient::Open(options);
    if (!c.ok()) return c.status();
    return (*c)->ListTokens(ListRequest()).status();
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<PushgateProcess> server_;
};

TEST_F(TlsTest, TrustedClientWithCertificateIsServed) {
  EXPECT_TRUE(ListWith("ca", "client").ok()) << ListWith("ca", "client");
}

TEST_F(TlsTest, ClientThatDoesNotTrustTheServerCaCannotConnect) {
  EXPECT_EQ(ListWith("rogue-ca", "client").code(), absl::StatusCode::kUnavailable);
}

TEST_F(TlsTest, ClientWithoutCertificateIsRefused) {
  EXPECT_EQ(ListWith("ca", "").code(), absl::StatusCode::kUnavailable);
}

TEST_F(TlsTest, ClientCertificateFromAnUntrustedCaIsRefused) {
  EXPECT_EQ(ListWith("ca", "rogue-client").code(), absl::StatusCode::kUnavailable);
}

TEST_F(TlsTest, PlaintextClientCannotTalkToTheTlsPort) {
  ClientOptions options;
  options.address = server_->grpc_address();
  options.api_key = "read-key-9034";
  options.timeout = absl::Seconds(5);
  auto c = PushgateClient::Connect(options);
  EXPECT_EQ(c->ListTokens(ListRequest()).status().code(), absl::StatusCode::kUnavailable);
}

TEST(TlsConfig, KeyThatDoesNotMatchTheCertificateStopsStartUpNamingIt) {
  TempDir dir;
  TestPki pki(dir.path());
  const std::string grpc = R"({"address": "127.0.0.1:0", "tls": {"cert_file": ")" +
                           pki.Path("server.pem") + R"(", "key_file": ")" + pki.Path("client.key") +
                           R"("}})";
  PushgateProcess::Options options{SecurityConfig(dir.path() + "/data", grpc),
                                   dir.path() + "/data"};
  ::testing::TestPartResultArray failures;
  std::unique_ptr<PushgateProcess> p;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    p = PushgateProcess::Start(options);
  }
  EXPECT_EQ(p, nullptr);
  ASSERT_EQ(failures.size(), 1);  // "pushgate exited during start-up; log: ..."
  const std::string message = failures.GetTestPartResult(0).message();
  EXPECT_NE(message.find("grpc.tls.key_file: does not match grpc.tls.cert_file"), std::string::npos)
      << message;
}

// ---- roles, rate limits, lockout, reload: a plaintext loopback server --------------------

v1::RegisterTokenRequest Registration(const std::string& uid, int n) {
  v1::RegisterTokenRequest req;
  req.set_app_id("app123");
  req.set_uid(uid);
  req.set_session_id("session-" + std::to_string(n));
  req.set_platform(v1::PLATFORM_FCM);
  req.set_token("fcm-token-" + uid + "-" + std::to_string(n));
  req.mutable_fcm()->set_os(v1::DEVICE_OS_ANDROID);
  return req;
}

std::unique_ptr<PushgateClient> ClientFor(const PushgateProcess& p, const std::string& key) {
  ClientOptions options;
  options.address = p.grpc_address();
  options.api_key = key;
  return PushgateClient::Connect(options);
}

// The secret values SecurityConfig configures; none may appear in the log.
const char* const kConfiguredSecrets[] = {"webhook-pw-7781", "register-key-5512", "read-key-9034",
                                          "ops-key-4470"};

void ExpectNoSecretIn(const std::string& log, const std::vector<std::string>& more = {}) {
  std::vector<std::string> secrets(std::begin(kConfiguredSecrets), std::end(kConfiguredSecrets));
  secrets.insert(secrets.end(), more.begin(), more.end());
  ASSERT_FALSE(log.empty());
  for (const std::string& secret : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log holds the secret " << secret;
  }
}

class PlainServerTest : public ::testing::Test {
 protected:
  void Start(const std::string& more) {
    server_ = PushgateProcess::Start(
        {SecurityConfig(dir_.path() + "/data", R"({"address": "127.0.0.1:0", "plaintext": true})",
                        more),
         dir_.path() + "/data"});
    ASSERT_NE(server_, nullptr);
  }
  TempDir dir_;
  std::unique_ptr<PushgateProcess> server_;
};

TEST_F(PlainServerTest, RolesThroughTheBinaryAndHashedAdminKey) {
  Start("");
  auto mobile = ClientFor(*server_, "register-key-5512");
  auto dashboard = ClientFor(*server_, "read-key-9034");
  auto ops = ClientFor(*server_, "ops-key-4470");  // configured as sha256:<hex> only
  EXPECT_TRUE(mobile->RegisterToken(Registration("alice", 1)).ok());
  absl::Status listed = mobile->ListTokens(ListRequest()).status();
  EXPECT_EQ(listed.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(listed.message(),
            "API key 'mobile' (role register) lacks permission 'registry.read' on app 'app123'; "
            "role read or admin grants it");
  auto tokens = dashboard->ListTokens(ListRequest());
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->registrations_size(), 1);
  EXPECT_EQ(dashboard->RegisterToken(Registration("alice", 2)).status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::RetryNotificationRequest retry;
  retry.set_app_id("app123");
  retry.set_id("1");
  EXPECT_EQ(dashboard->RetryNotification(retry).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_NE(ops->RetryNotification(retry).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(ops->ListTokens(ListRequest()).ok());
  EXPECT_EQ(ClientFor(*server_, "ops-key-447")->ListTokens(ListRequest()).status().message(),
            "unknown API key");
  ExpectNoSecretIn(server_->Log());
}

TEST_F(PlainServerTest, PerKeyRateLimitTripsWithARetryHintAndRecovers) {
  // The read key has its own limit; the register key the (high) default.
  const std::string config =
      SecurityConfig(dir_.path() + "/data", R"({"address": "127.0.0.1:0", "plaintext": true})",
                     R"("limits": {"grpc": {"requests_per_second": 1000, "burst": 1000}})");
  std::string limited = config;
  const std::string role = R"("role": "read")";
  limited.replace(limited.find(role), role.size(),
                  role + R"(, "rate_limit": {"requests_per_second": 2, "burst": 3})");
  server_ = PushgateProcess::Start({limited, dir_.path() + "/data"});
  ASSERT_NE(server_, nullptr);

  auto channel = grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials());
  auto stub = v1::TokenRegistry::NewStub(channel);
  auto list = [&](grpc::ClientContext* ctx) {
    ctx->AddMetadata("authorization", "Bearer read-key-9034");
    v1::ListTokensResponse resp;
    return stub->ListTokens(ctx, ListRequest(), &resp);
  };
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    EXPECT_TRUE(list(&ctx).ok()) << i;
  }
  grpc::ClientContext refused_ctx;
  const grpc::Status refused = list(&refused_ctx);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("API key 'dashboard' is over its rate limit of 2 "
                                         "requests/s; retry in "),
            std::string::npos)
      << refused.error_message();
  const auto& trailers = refused_ctx.GetServerTrailingMetadata();
  auto hint = trailers.find("retry-after-ms");
  ASSERT_NE(hint, trailers.end());
  const int retry_ms = std::stoi(std::string(hint->second.data(), hint->second.size()));
  EXPECT_GT(retry_ms, 0);
  EXPECT_LE(retry_ms, 500);
  // Another key is not affected.
  EXPECT_TRUE(ClientFor(*server_, "register-key-5512")->RegisterToken(Registration("bob", 1)).ok());
  // After the hinted wait the key is served again.
  std::this_thread::sleep_for(std::chrono::milliseconds(retry_ms + 20));
  grpc::ClientContext again;
  EXPECT_TRUE(list(&again).ok());
  EXPECT_NE(HttpGet(server_->http_url("/metrics"))
                .body.find("pushgate_grpc_rate_limited_total{key=\"dashboard\"} 1"),
            std::string::npos);
}

// A webhook POST from `source` (an address of 127/8: the kernel routes them all to lo).
HttpResult PostFrom(const std::string& source, const PushgateProcess& p, const std::string& user,
                    const std::string& password, const std::string& uid) {
  CURL* curl = curl_easy_init();
  HttpResult result;
  const std::string url = p.http_url("/webhook");
  const std::string body = ChatPayloadFor(uid);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, BasicAuthHeader(user, password).c_str());
  std::string response_body, response_headers;
  auto append = +[](char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  };
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_INTERFACE, source.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response_body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response_headers);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  }
  result.body = response_body;
  const size_t at = response_headers.find("Retry-After: ");
  if (at != std::string::npos) {
    result.headers["retry-after"] =
        response_headers.substr(at + 13, response_headers.find('\r', at) - at - 13);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return result;
}

TEST_F(PlainServerTest, BasicAuthLockoutHitsOneSourceWhileAnotherIsServed) {
  Start(R"("limits": {"webhook_auth": {"slow_after_failures": 2, "slow_delay_ms": 200,
           "lockout_after_failures": 4, "lockout_seconds": 3}})");
  const std::string attacker = "127.0.0.2", cometchat = "127.0.0.1";
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(PostFrom(attacker, *server_, "cometchat", "guess-" + std::to_string(i), "u").status,
              401)
        << i;
  }
  // Locked out: refused before the credentials are looked at, right ones included.
  HttpResult locked = PostFrom(attacker, *server_, "cometchat", "webhook-pw-7781", "u1");
  EXPECT_EQ(locked.status, 429);
  ASSERT_TRUE(locked.headers.count("retry-after"));
  const int retry_after = std::stoi(locked.headers["retry-after"]);
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 3);
  // The other source is served as usual meanwhile.
  EXPECT_EQ(PostFrom(cometchat, *server_, "cometchat", "webhook-pw-7781", "u2").status, 200)
      << server_->Log();
  // The right password from the locked source did not lift the lockout.
  EXPECT_EQ(PostFrom(attacker, *server_, "cometchat", "webhook-pw-7781", "u3").status, 429);
  const std::string metrics = HttpGet(server_->http_url("/metrics")).body;
  EXPECT_NE(metrics.find("pushgate_webhook_auth_lockouts_total 1"), std::string::npos);
  EXPECT_NE(metrics.find("pushgate_webhook_locked_out_sources 1"), std::string::npos);
  // When the lockout is over, the source is served again.
  std::this_thread::sleep_for(std::chrono::seconds(retry_after) + std::chrono::milliseconds(100));
  EXPECT_EQ(PostFrom(attacker, *server_, "cometchat", "webhook-pw-7781", "u4").status, 200);
  ExpectNoSecretIn(server_->Log(), {"guess-0", "guess-3"});
}

TEST_F(PlainServerTest, SighupUnderLoadAppliesAGoodConfigRefusesABrokenOneDropsNothing) {
  const std::string grpc = R"({"address": "127.0.0.1:0", "plaintext": true})";
  const std::string limits = R"("limits": {"grpc": {"requests_per_second": 0}})";
  Start(limits);
  std::atomic<bool> stop{false};
  std::atomic<int> posts{0}, registrations{0};
  std::vector<std::string> failures;
  std::mutex failures_mu;
  auto fail = [&](std::string what) {
    std::lock_guard<std::mutex> lock(failures_mu);
    failures.push_back(std::move(what));
  };
  std::thread webhook_load([&] {
    for (int i = 0; !stop; ++i) {
      HttpResult r = PostWebhook(*server_, ChatPayloadFor("load-" + std::to_string(i)), "cometchat",
                                 "webhook-pw-7781");
      if (r.status != 200) fail("webhook " + std::to_string(r.status) + " " + r.body + r.error);
      ++posts;
    }
  });
  std::thread grpc_load([&] {
    auto client = ClientFor(*server_, "register-key-5512");
    for (int i = 0; !stop; ++i) {
      absl::Status s = client->RegisterToken(Registration("carol", i)).status();
      if (!s.ok()) fail("RegisterToken " + s.ToString());
      ++registrations;
    }
  });
  auto wait_for = [](const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  };
  ASSERT_TRUE(wait_for([&] { return posts > 20 && registrations > 20; }));

  // A good config: one more key and one more webhook credential.
  std::string rotated = SecurityConfig(dir_.path() + "/data", grpc, limits);
  const std::string keys = R"("api_keys": [)";
  rotated.replace(rotated.find(keys), keys.size(),
                  keys + R"({"name": "mobile-next", "key": {"value": "rotated-key-3310"},
                             "role": "register"},)");
  const std::string pairs = R"("basic_auth": [)";
  rotated.replace(
      rotated.find(pairs), pairs.size(),
      pairs + R"({"username": "cometchat-next", "password": {"value": "next-pw-2231"}},)");
  WriteFile(server_->config_path(), rotated);
  auto next_key = ClientFor(*server_, "rotated-key-3310");
  EXPECT_EQ(next_key->RegisterToken(Registration("dave", 0)).status().code(),
            absl::StatusCode::kUnauthenticated);
  server_->Signal(SIGHUP);
  EXPECT_TRUE(wait_for([&] { return next_key->RegisterToken(Registration("dave", 1)).ok(); }));
  EXPECT_EQ(PostWebhook(*server_, ChatPayloadFor("next"), "cometchat-next", "next-pw-2231").status,
            200);
  EXPECT_TRUE(
      wait_for([&] { return server_->Log().find("config_reloaded") != std::string::npos; }));

  // A broken config (a key with a role that does not exist) is refused; the running one
  // stays.
  const int posts_before = posts;
  std::string broken = rotated;
  const std::string role = R"("role": "register")";
  broken.replace(broken.find(role), role.size(), R"("role": "superuser")");
  WriteFile(server_->config_path(), broken);
  server_->Signal(SIGHUP);
  EXPECT_TRUE(
      wait_for([&] { return server_->Log().find("config_reload_refused") != std::string::npos; }));
  EXPECT_NE(server_->Log().find("apps[0].api_keys[0].role: must be"), std::string::npos)
      << server_->Log();
  EXPECT_TRUE(next_key->RegisterToken(Registration("dave", 2)).ok());
  ASSERT_TRUE(wait_for([&] { return posts > posts_before + 20; }));

  stop = true;
  webhook_load.join();
  grpc_load.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  EXPECT_GT(posts.load(), 40);
  EXPECT_GT(registrations.load(), 20);
  ExpectNoSecretIn(server_->Log(), {"rotated-key-3310", "next-pw-2231"});
  EXPECT_EQ(server_->Terminate(), 0);
}

TEST_F(PlainServerTest, FilesPushgateCreatesAreOwnerOnly) {
  Start("");
  ASSERT_EQ(PostWebhook(*server_, ChatPayloadFor("perm"), "cometchat", "webhook-pw-7781").status,
            200);
  struct stat st;
  ASSERT_EQ(::stat((dir_.path() + "/data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << std::oct << st.st_mode;
  ASSERT_EQ(::stat((dir_.path() + "/data/pushgate.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << std::oct << st.st_mode;
}

}  // namespace
}  // namespace pushgate::testing
