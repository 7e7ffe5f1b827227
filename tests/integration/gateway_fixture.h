// Shared scaffolding of the integration tests that deliver through Node provider fakes: the
// real binary started from a JSON config, a gRPC client for TokenRegistry and Deliveries, and
// the fakes' control APIs. Each fake keeps the provider's real host names; the config points
// them at the fake with `resolve` and `ca_file`, as production overrides nothing else.
#ifndef PUSHGATE_TESTS_INTEGRATION_GATEWAY_FIXTURE_H_
#define PUSHGATE_TESTS_INTEGRATION_GATEWAY_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fakes/fake_process.h"
#include "gtest/gtest.h"
#include "harness.h"
#include "nlohmann/json.hpp"
#include "pushgate/v1/deliveries.grpc.pb.h"
#include "pushgate_client.h"

namespace pushgate::testing {

int64_t NowMs();

// One iPhone's APNs alert and PushKit (VoIP) tokens, and an Android phone's FCM token.
inline constexpr char kAlertToken[] =
    "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1";
inline constexpr char kVoipToken[] =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
inline constexpr char kAndroidToken[] = "android-token-0:APA91bHexampleexampleexample";

// A Node fake (tests/fakes/*) whose first stdout line names its ports; the last port is its
// plain-HTTP control API.
class NodeFake {
 public:
  ~NodeFake() { process_.Stop(); }
  bool Start(const std::vector<std::string>& argv, const std::string& ports_pattern);
  int port(size_t i = 0) const { return process_.ports().at(i); }
  nlohmann::json Control(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr);
  nlohmann::json Requests() { return Control("GET", "/control/requests"); }
  // The behaviour for one device / registration token (the APNs and FCM fakes; see
  // tests/fakes/README.md).
  void SetToken(const std::string& token, const nlohmann::json& rule) {
    Control("POST", "/control/tokens/" + token, rule);
  }

 private:
  fakes::FakeProcess process_;
};

// tests/fakes/fcm/fake_fcm.js with a TLS certificate for Google's host names and a service
// account key generated in `dir`.
class FakeFcm : public NodeFake {
 public:
  static constexpr char kProject[] = "pushgate-it";
  static constexpr char kClientEmail[] = "firebase-adminsdk@pushgate-it.iam.gserviceaccount.com";

  bool Start(const std::string& dir);
  // The service-account JSON Firebase would hand out for the generated key.
  std::string ServiceAccountJson() const;
  // apps[].fcm pointing at this fake, with the service account in `service_account_file`.
  nlohmann::json AppConfig(const std::string& service_account_file) const;
  // The sends (not token requests) received, oldest first; only those to `token` when given.
  std::vector<nlohmann::json> Sends(const std::string& token = "");

 private:
  std::string dir_;
};

// tests/fakes/apns/fake_apns.js with a TLS certificate for Apple's host names and a .p8-style
// provider key generated in `dir`.
class FakeApns : public NodeFake {
 public:
  static constexpr char kKeyId[] = "KEYID12345";
  static constexpr char kTeamId[] = "TEAMID6789";
  static constexpr char kBundle[] = "com.example.chat";

  bool Start(const std::string& dir);
  // apps[].apns pointing at this fake (sandbox and production hosts).
  nlohmann::json AppConfig() const;

 private:
  std::string dir_;
};

// tests/fakes/webpush/fake_webpush.js: a push service on "push.example" that hands out
// subscriptions and decrypts every push with the subscription's key; the TLS certificate and
// the application server's VAPID key are generated in `dir`.
class FakeWebPush : public NodeFake {
 public:
  static constexpr char kHost[] = "push.example";

  bool Start(const std::string& dir);
  // apps[].webpush pointing at this fake (loopback allowed, as only tests need).
  nlohmann::json AppConfig() const;
  // A new browser subscription: {"id", "endpoint", "keys": {"p256dh", "auth"}}.
  nlohmann::json Subscribe();
  // The base64url public key browsers subscribe with (computed by openssl, independently of
  // the gateway).
  const std::string& vapid_public_key() const { return vapid_public_key_; }

 private:
  std::string dir_;
  std::string vapid_public_key_;
};

// tests/fakes/hook/fake_hook.js: a forward-hook receiver on "hooks.example.test" that checks
// the HMAC signature with `secret`.
class FakeHook : public NodeFake {
 public:
  static constexpr char kHost[] = "hooks.example.test";
  static constexpr char kSecret[] = "receiver-shared-secret-channels";

  bool Start(const std::string& dir);
  // An entry of apps[].forward_hooks posting to this receiver at /in/<name>.
  nlohmann::json HookConfig(const std::string& name) const;

 private:
  std::string dir_;
};

// Starts the gateway and talks to it. Tests add their fakes and build the config.
class GatewayTest : public ::testing::Test {
 protected:
  // "" when node, openssl and `extra` are installed; else what to install (the test FAILs).
  static std::string MissingTools(std::vector<std::string> extra = {});

  std::string Dir() const { return dir_.path(); }
  std::string DataDir() const { return dir_.path() + "/data"; }

  // A config with one app "app123" (webhook user cometchat/secret-pass, API key
  // test-api-key) whose app-level keys (apns, fcm, rules, ...) come from `app`, and fast
  // retries.
  nlohmann::json BaseConfig(const nlohmann::json& app) const;
  static nlohmann::json FastRetries();

  void StartServer(const nlohmann::json& config);

  void Register(const std::string& uid, const std::string& session, v1::Platform platform,
                const std::string& token,
                const std::function<void(v1::RegisterTokenRequest&)>& details = nullptr);
  // Registers a subscription as FakeWebPush::Subscribe returned it.
  void RegisterWebPush(const std::string& uid, const std::string& session,
                       const nlohmann::json& subscription);
  void RegisterFcm(const std::string& uid, const std::string& session, const std::string& token,
                   v1::DeviceOs os);
  v1::Registration OnlyRegistrationOf(const std::string& uid);

  // POSTs a webhook body (as app123's CometChat unless told) and returns the id the gateway
  // answered.
  std::string Post(const std::string& body, const std::string& user = "cometchat",
                   const std::string& password = "secret-pass");
  grpc::Status Get(const std::string& id, v1::Notification* out, const std::string& app = "app123",
                   const std::string& key = "test-api-key");
  // Waits for the notification to be done (every delivery settled) and returns it.
  v1::Notification WaitDone(const std::string& id, const std::string& app = "app123",
                            const std::string& key = "test-api-key");
  // Waits until the notification's only delivery satisfies `pred`.
  v1::Notification WaitDelivery(const std::string& id,
                                const std::function<bool(const v1::Delivery&)>& pred);

  TempDir dir_;
  std::unique_ptr<PushgateProcess> server_;
  std::unique_ptr<client::PushgateClient> client_;
  std::unique_ptr<v1::Deliveries::Stub> deliveries_;
};

// The chat fixture for `uid` with its body and tag changed, so each is a new notification.
std::string ChatNumbered(const std::string& uid, int n);

}  // namespace pushgate::testing

#endif  // PUSHGATE_TESTS_INTEGRATION_GATEWAY_FIXTURE_H_
