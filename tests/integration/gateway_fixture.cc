#include "gateway_fixture.h"

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "fakes/fake_control.h"

namespace pushgate::testing {

using nlohmann::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool NodeFake::Start(const std::vector<std::string>& argv, const std::string& ports_pattern) {
  return process_.Start(argv, ports_pattern);
}

json NodeFake::Control(const std::string& method, const std::string& path, const json& body) {
  json answer = fakes::ControlRequest(process_.ports().back(), method, path,
                                      body.is_null() ? "" : body.dump());
  EXPECT_FALSE(answer.contains("curl_error")) << method << " " << path << ": " << answer.dump();
  return answer;
}

bool FakeFcm::Start(const std::string& dir) {
  dir_ = dir;
  const bool keys =
      // TLS certificate valid for Google's host names (the SAN is required).
      fakes::RunQuietly(
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
          dir + "/fcm_tls.key -out " + dir + "/fcm_tls.crt -days 1 -subj /CN=fake-fcm -addext " +
          "subjectAltName=IP:127.0.0.1,DNS:fcm.googleapis.com,DNS:oauth2.googleapis.com") &&
      // The service account's RSA key, as Google generates it, and its public half.
      fakes::RunQuietly("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + dir +
                        "/sa.pem") &&
      fakes::RunQuietly("openssl pkey -in " + dir + "/sa.pem -pubout -out " + dir + "/sa_pub.pem");
  if (!keys) return false;
  return NodeFake::Start({"node", PUSHGATE_FAKE_FCM_JS, "--cert", dir + "/fcm_tls.crt", "--key",
                          dir + "/fcm_tls.key", "--sa-public-key", dir + "/sa_pub.pem",
                          "--client-email", kClientEmail, "--project-id", kProject},
                         "fcm_port=(\\d+) control_port=(\\d+)");
}

std::string FakeFcm::ServiceAccountJson() const {
  return json{{"type", "service_account"},
              {"project_id", kProject},
              {"private_key_id", "0123456789abcdef0123456789abcdef01234567"},
              {"private_key", ReadFile(dir_ + "/sa.pem")},
              {"client_email", kClientEmail},
              {"client_id", "100000000000000000000"},
              {"token_uri", "https://oauth2.googleapis.com/token"}}
      .dump(2);
}

json FakeFcm::AppConfig(const std::string& service_account_file) const {
  const std::string p = std::to_string(port());
  return {
      {"service_account", {{"file", service_account_file}}},
      {"android_channel_id", "chat_messages"},
      {"fcm_url", "https://fcm.googleapis.com:" + p},
      // The assertion's aud stays the service account's token_uri; only the port differs.
      {"token_uri", "https://oauth2.googleapis.com:" + p + "/token"},
      {"ca_file", dir_ + "/fcm_tls.crt"},
      {"resolve",
       {"fcm.googleapis.com:" + p + ":127.0.0.1", "oauth2.googleapis.com:" + p + ":127.0.0.1"}}};
}

std::vector<json> FakeFcm::Sends(const std::string& token) {
  std::vector<json> out;
  for (const json& r : Requests()) {
    if (r.value("kind", "") != "send") continue;
    if (!token.empty() && r.value("token", "") != token) continue;
    out.push_back(r);
  }
  return out;
}

bool FakeApns::Start(const std::string& dir) {
  dir_ = dir;
  const bool keys =
      fakes::RunQuietly(
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
          dir + "/apns_tls.key -out " + dir + "/apns_tls.crt -days 1 -subj /CN=fake-apns " +
          "-addext subjectAltName=IP:127.0.0.1,DNS:api.push.apple.com,"
          "DNS:api.sandbox.push.apple.com") &&
      // Shaped like Apple's AuthKey_<KeyID>.p8; the fake verifies JWTs with its public half.
      fakes::RunQuietly(
          "openssl ecparam -genkey -name prime256v1 | openssl pkcs8 -topk8 "
          "-nocrypt -out " +
          dir + "/AuthKey.p8") &&
      fakes::RunQuietly("openssl pkey -in " + dir + "/AuthKey.p8 -pubout -out " + dir +
                        "/apns_pub.pem");
  if (!keys) return false;
  return NodeFake::Start({"node", PUSHGATE_FAKE_APNS_JS, "--cert", dir + "/apns_tls.crt", "--key",
                          dir + "/apns_tls.key", "--jwt-public-key", dir + "/apns_pub.pem",
                          "--key-id", kKeyId, "--team-id", kTeamId, "--bundle-id", kBundle},
                         "apns_port=(\\d+) control_port=(\\d+)");
}

json FakeApns::AppConfig() const {
  const std::string p = std::to_string(port());
  return {{"team_id", kTeamId},
          {"key_id", kKeyId},
          {"p8_key", {{"file", dir_ + "/AuthKey.p8"}}},
          {"bundle_id", kBundle},
          {"sandbox_url", "https://api.sandbox.push.apple.com:" + p},
          {"production_url", "https://api.push.apple.com:" + p},
          {"ca_file", dir_ + "/apns_tls.crt"},
          {"resolve",
           {"api.sandbox.push.apple.com:" + p + ":127.0.0.1",
            "api.push.apple.com:" + p + ":127.0.0.1"}}};
}

namespace {

// The command's standard output, trailing newline removed ("" when it fails).
std::string CommandOutput(const std::string& cmd) {
  std::string out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  if (::pclose(pipe) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

bool FakeWebPush::Start(const std::string& dir) {
  dir_ = dir;
  const bool keys =
      fakes::RunQuietly(
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
          dir + "/push_tls.key -out " + dir + "/push_tls.crt -days 1 -subj /CN=fake-webpush " +
          "-addext subjectAltName=IP:127.0.0.1,DNS:" + kHost) &&
      fakes::RunQuietly("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
                        dir + "/vapid.pem");
  if (!keys) return false;
  // The uncompressed point is the last 65 bytes of the SubjectPublicKeyInfo.
  vapid_public_key_ = CommandOutput("openssl pkey -in " + dir +
                                    "/vapid.pem -pubout -outform DER | tail -c 65 | "
                                    "basenc --base64url -w0 | tr -d =");
  if (vapid_public_key_.empty()) return false;
  return NodeFake::Start(
      {"node", PUSHGATE_FAKE_WEBPUSH_JS, "--cert", dir + "/push_tls.crt", "--key",
       dir + "/push_tls.key", "--vapid-public-key", vapid_public_key_, "--endpoint-host", kHost},
      "push_port=(\\d+) control_port=(\\d+)");
}

json FakeWebPush::AppConfig() const {
  return {{"vapid_private_key", {{"file", dir_ + "/vapid.pem"}}},
          {"subject", "mailto:ops@example.com"},
          {"allow_loopback_endpoints", true},
          {"ca_file", dir_ + "/push_tls.crt"},
          {"resolve", {std::string(kHost) + ":" + std::to_string(port()) + ":127.0.0.1"}}};
}

json FakeWebPush::Subscribe() { return Control("POST", "/control/subscriptions"); }

bool FakeHook::Start(const std::string& dir) {
  dir_ = dir;
  if (!fakes::RunQuietly(
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
          dir + "/hook_tls.key -out " + dir + "/hook_tls.crt -days 1 -subj /CN=fake-hook " +
          "-addext subjectAltName=IP:127.0.0.1,DNS:" + kHost)) {
    return false;
  }
  return NodeFake::Start({"node", PUSHGATE_FAKE_HOOK_JS, "--cert", dir + "/hook_tls.crt", "--key",
                          dir + "/hook_tls.key", "--secret", kSecret},
                         "hook_port=(\\d+) control_port=(\\d+)");
}

json FakeHook::HookConfig(const std::string& name) const {
  const std::string p = std::to_string(port());
  return {{"name", name},
          {"url", "https://" + std::string(kHost) + ":" + p + "/in/" + name},
          {"hmac", {{"secret", {{"value", kSecret}}}}},
          {"ca_file", dir_ + "/hook_tls.crt"},
          {"resolve", {std::string(kHost) + ":" + p + ":127.0.0.1"}}};
}

std::string GatewayTest::MissingTools(std::vector<std::string> extra) {
  extra.insert(extra.begin(), {"node", "openssl"});
  return fakes::MissingTools(extra);
}

json GatewayTest::BaseConfig(const json& app) const {
  json a = {
      {"app_id", "app123"},
      {"webhook",
       {{"basic_auth", {{{"username", "cometchat"}, {"password", {{"value", "secret-pass"}}}}}}}},
      {"api_keys",
       {{{"name", "backend"}, {"key", {{"value", "test-api-key"}}}, {"role", "admin"}}}}};
  a.update(app);
  return {{"data_dir", DataDir()},
          {"http", {{"address", "127.0.0.1:0"}}},
          {"grpc", {{"address", "127.0.0.1:0"}, {"plaintext", true}}},
          {"engine", FastRetries()},
          {"apps", json::array({a})}};
}

json GatewayTest::FastRetries() {
  return {{"initial_backoff_ms", 50},
          {"max_backoff_seconds", 1},
          {"max_attempts", 3},
          {"poll_interval_ms", 50},
          {"request_timeout_ms", 5000}};
}

void GatewayTest::StartServer(const json& config) {
  server_ = PushgateProcess::Start({config.dump(2), DataDir()});
  ASSERT_NE(server_, nullptr);
  client::ClientOptions options;
  options.address = server_->grpc_address();
  options.api_key = "test-api-key";
  client_ = client::PushgateClient::Connect(options);
  deliveries_ = v1::Deliveries::NewStub(
      grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials()));
}

void GatewayTest::Register(const std::string& uid, const std::string& session,
                           v1::Platform platform, const std::string& token,
                           const std::function<void(v1::RegisterTokenRequest&)>& details) {
  v1::RegisterTokenRequest req;
  req.set_app_id("app123");
  req.set_uid(uid);
  req.set_session_id(session);
  req.set_platform(platform);
  req.set_token(token);
  if (details) details(req);
  auto r = client_->RegisterToken(req);
  ASSERT_TRUE(r.ok()) << r.status();
}

void GatewayTest::RegisterWebPush(const std::string& uid, const std::string& session,
                                  const json& subscription) {
  Register(uid, session, v1::PLATFORM_WEBPUSH, subscription["endpoint"].get<std::string>(),
           [&subscription](v1::RegisterTokenRequest& req) {
             req.mutable_web_push()->set_p256dh(subscription["keys"]["p256dh"].get<std::string>());
             req.mutable_web_push()->set_auth(subscription["keys"]["auth"].get<std::string>());
           });
}

void GatewayTest::RegisterFcm(const std::string& uid, const std::string& session,
                              const std::string& token, v1::DeviceOs os) {
  Register(uid, session, v1::PLATFORM_FCM, token,
           [os](v1::RegisterTokenRequest& req) { req.mutable_fcm()->set_os(os); });
}

v1::Registration GatewayTest::OnlyRegistrationOf(const std::string& uid) {
  v1::ListTokensRequest req;
  req.set_app_id("app123");
  req.set_uid(uid);
  auto r = client_->ListTokens(req);
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r.ok() ? r->registrations_size() : 0, 1);
  return r.ok() && r->registrations_size() == 1 ? r->registrations(0) : v1::Registration();
}

std::string GatewayTest::Post(const std::string& body, const std::string& user,
                              const std::string& password) {
  HttpResult r = PostWebhook(*server_, body, user, password);
  EXPECT_EQ(r.status, 200) << r.body;
  json answer = json::parse(r.body, nullptr, false);
  return answer.is_object() ? answer.value("id", "") : "";
}

grpc::Status GatewayTest::Get(const std::string& id, v1::Notification* out, const std::string& app,
                              const std::string& key) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + key);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetNotificationRequest req;
  req.set_app_id(app);
  req.set_id(id);
  return deliveries_->GetNotification(&context, req, out);
}

v1::Notification GatewayTest::WaitDone(const std::string& id, const std::string& app,
                                       const std::string& key) {
  v1::Notification n;
  const bool done = WaitFor([&] {
    n.Clear();
    return Get(id, &n, app, key).ok() && n.state() == v1::NOTIFICATION_STATE_DONE;
  });
  EXPECT_TRUE(done) << "notification " << id << " not done: " << n.DebugString();
  return n;
}

v1::Notification GatewayTest::WaitDelivery(const std::string& id,
                                           const std::function<bool(const v1::Delivery&)>& pred) {
  v1::Notification n;
  const bool reached = WaitFor([&] {
    n.Clear();
    return Get(id, &n).ok() && n.deliveries_size() == 1 && pred(n.deliveries(0));
  });
  EXPECT_TRUE(reached) << "notification " << id << ": " << n.DebugString();
  return n;
}

std::string ChatNumbered(const std::string& uid, int n) {
  json doc = json::parse(ChatPayloadFor(uid));
  doc["data"]["notificationDetails"]["body"] = "message " + std::to_string(n);
  doc["data"]["notificationDetails"]["tag"] = std::to_string(1000 + n);
  return doc.dump();
}

}  // namespace pushgate::testing
