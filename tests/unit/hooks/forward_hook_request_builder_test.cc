#include "providers/forward_hook_request_builder.h"

#include <openssl/hmac.h>

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace pushgate::providers {
namespace {

// A CometChat body with spacing and key order a re-serialisation would change.
constexpr char kPayload[] =
    R"({ "trigger":"push-notification-payload-generated", "data" : {"to":{"uid":"bob"},)"
    R"("notificationDetails":{"type":"chat","body":"caf\u00e9 \ud83d\ude00","n":1.50}},)"
    R"("appId":"app123","webhook":"custom"})";

ForwardHookEvent ChatEvent() {
  ForwardHookEvent e;
  e.notification_id = 42;
  e.app_id = "app123";
  e.uid = "bob";
  e.type = "chat";
  e.received_at_ms = 1'764'325'191'123;  // 2025-11-28T10:19:51.123Z
  e.attempt = 2;
  e.payload = kPayload;
  return e;
}

std::map<std::string, std::string> HeaderMap(const ForwardHookRequest& r) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : r.headers) {
    EXPECT_EQ(m.count(k), 0u) << "header twice: " << k;
    m[k] = v;
  }
  return m;
}

// HMAC-SHA256 computed straight with OpenSSL, independent of common/crypto.
std::string OpenSslHmacHex(const std::string& key, const std::string& data) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[mac[i] >> 4]);
    out.push_back(hex[mac[i] & 15]);
  }
  return out;
}

TEST(ForwardHookBody, CarriesTheFieldsInOrderAndThePayloadByteForByte) {
  const std::string body = BuildForwardHookBody(ChatEvent());
  EXPECT_EQ(body, std::string(R"({"id":"42","app_id":"app123","uid":"bob","type":"chat",)"
                              R"("call_action":null,"received_at":"2025-11-28T10:19:51.123Z",)"
                              R"("attempt":2,"payload":)") +
                      kPayload + "}");
  nlohmann::json parsed = nlohmann::json::parse(body);  // valid JSON as a whole
  EXPECT_EQ(parsed["payload"]["data"]["to"]["uid"], "bob");
}

TEST(ForwardHookBody, CallsCarryTheirActionAndIdsAreEscaped) {
  ForwardHookEvent e = ChatEvent();
  e.type = "call";
  e.call_action = "initiated";
  e.uid = "we\"ird\\uid";
  nlohmann::json parsed = nlohmann::json::parse(BuildForwardHookBody(e));
  EXPECT_EQ(parsed["call_action"], "initiated");
  EXPECT_EQ(parsed["uid"], "we\"ird\\uid");
}

TEST(ForwardHookSignature, IsHmacSha256OfTimestampDotBody) {
  const std::string sig = ForwardHookSignature("hook-secret", 1764325191, "{\"a\":1}");
  EXPECT_EQ(sig, "sha256=" + OpenSslHmacHex("hook-secret", "1764325191.{\"a\":1}"));
  // Every input is covered: a different secret, timestamp or body changes it.
  EXPECT_NE(sig, ForwardHookSignature("hook-secreT", 1764325191, "{\"a\":1}"));
  EXPECT_NE(sig, ForwardHookSignature("hook-secret", 1764325192, "{\"a\":1}"));
  EXPECT_NE(sig, ForwardHookSignature("hook-secret", 1764325191, "{\"a\":2}"));
}

TEST(ForwardHookRequest, SignedRequestHasEveryHeader) {
  const absl::Time now = absl::FromUnixSeconds(1764325200);
  ForwardHookRequest r =
      BuildForwardHookRequest(ChatEvent(), 977, {"X-Pushgate-Signature", "hook-secret"}, now);
  auto h = HeaderMap(r);
  EXPECT_EQ(h["Content-Type"], "application/json");
  EXPECT_EQ(h["User-Agent"], "pushgate");
  EXPECT_EQ(h["Idempotency-Key"], "977");
  EXPECT_EQ(h["X-Pushgate-Timestamp"], "1764325200");
  EXPECT_EQ(h["X-Pushgate-Signature"],
            "sha256=" + OpenSslHmacHex("hook-secret", "1764325200." + r.body));
  EXPECT_EQ(r.body, BuildForwardHookBody(ChatEvent()));
}

TEST(ForwardHookRequest, CustomHeaderNameAndUnsignedHooks) {
  const absl::Time now = absl::FromUnixSeconds(1764325200);
  auto custom = HeaderMap(BuildForwardHookRequest(ChatEvent(), 1, {"X-Sig", "k"}, now));
  EXPECT_EQ(custom.count("X-Pushgate-Signature"), 0u);
  EXPECT_EQ(custom.count("X-Sig"), 1u);
  auto unsigned_hook = HeaderMap(BuildForwardHookRequest(ChatEvent(), 1, {"X-Sig", ""}, now));
  EXPECT_EQ(unsigned_hook.count("X-Sig"), 0u);
  EXPECT_EQ(unsigned_hook["Idempotency-Key"], "1");
}

TEST(ForwardHookRequest, TheSecretAppearsNowhereInTheRequest) {
  const std::string secret = "very-secret-hook-key";
  ForwardHookRequest r = BuildForwardHookRequest(ChatEvent(), 5, {"X-Pushgate-Signature", secret},
                                                 absl::FromUnixSeconds(1764325200));
  EXPECT_EQ(r.body.find(secret), std::string::npos);
  for (const auto& [k, v] : r.headers) EXPECT_EQ(v.find(secret), std::string::npos) << k;
}

}  // namespace
}  // namespace pushgate::providers
