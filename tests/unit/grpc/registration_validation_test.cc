#include "grpc/registration_validation.h"

#include <string>

#include "common/crypto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kApnsToken(64, 'a');

std::string P256dh() {
  std::string key(65, '\x11');
  key[0] = '\x04';
  return Base64UrlEncode(key);
}
std::string Auth() { return Base64UrlEncode(std::string(16, '\x22')); }

pb::RegisterTokenRequest Base(pb::Platform platform) {
  pb::RegisterTokenRequest r;
  r.set_app_id("app-a");
  r.set_uid("alice");
  r.set_session_id("session-1");
  r.set_platform(platform);
  return r;
}

pb::RegisterTokenRequest Apns(pb::Platform platform = pb::PLATFORM_APNS) {
  pb::RegisterTokenRequest r = Base(platform);
  r.set_token(kApnsToken);
  r.mutable_apns()->set_topic("com.example.chat");
  r.mutable_apns()->set_environment(pb::APNS_ENVIRONMENT_PRODUCTION);
  return r;
}

pb::RegisterTokenRequest Fcm() {
  pb::RegisterTokenRequest r = Base(pb::PLATFORM_FCM);
  r.set_token("fMEP0vJqS0:APA91bH-abc_DEF");
  return r;
}

pb::RegisterTokenRequest WebPush() {
  pb::RegisterTokenRequest r = Base(pb::PLATFORM_WEBPUSH);
  r.set_token("https://fcm.googleapis.com/fcm/send/abc:def");
  r.mutable_web_push()->set_p256dh(P256dh());
  r.mutable_web_push()->set_auth(Auth());
  return r;
}

// The error is INVALID_ARGUMENT and its message starts with the field's name.
void ExpectInvalid(const pb::RegisterTokenRequest& r, const std::string& field) {
  absl::StatusOr<domain::RegistrationInput> got = ValidateRegisterRequest(r);
  ASSERT_FALSE(got.ok()) << r.DebugString();
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(got.status().message()), StartsWith(field + ": "));
}

TEST(ValidateRegisterRequest, AcceptsApnsAndNormalisesTokenCase) {
  pb::RegisterTokenRequest r = Apns();
  r.set_token(std::string(32, 'A') + std::string(32, 'f'));
  r.mutable_apns()->set_environment(pb::APNS_ENVIRONMENT_SANDBOX);
  auto got = ValidateRegisterRequest(r);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->app_id, "app-a");
  EXPECT_EQ(got->uid, "alice");
  EXPECT_EQ(got->session_id, "session-1");
  EXPECT_EQ(got->platform, domain::Platform::kApns);
  EXPECT_EQ(got->token, std::string(32, 'a') + std::string(32, 'f'));
  EXPECT_EQ(got->apns_topic, "com.example.chat");
  EXPECT_EQ(got->apns_environment, "sandbox");
}

TEST(ValidateRegisterRequest, AcceptsVoip) {
  auto got = ValidateRegisterRequest(Apns(pb::PLATFORM_APNS_VOIP));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->platform, domain::Platform::kApnsVoip);
  EXPECT_EQ(got->apns_environment, "production");
}

TEST(ValidateRegisterRequest, AcceptsFcmWithAndWithoutTarget) {
  auto bare = ValidateRegisterRequest(Fcm());
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->platform, domain::Platform::kFcm);
  EXPECT_EQ(bare->token, "fMEP0vJqS0:APA91bH-abc_DEF");
  EXPECT_EQ(bare->fcm_os, "");

  for (auto [os, name] :
       {std::pair{pb::DEVICE_OS_ANDROID, "android"}, std::pair{pb::DEVICE_OS_IOS, "ios"},
        std::pair{pb::DEVICE_OS_WEB, "web"}}) {
    pb::RegisterTokenRequest r = Fcm();
    r.mutable_fcm()->set_os(os);
    auto got = ValidateRegisterRequest(r);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->fcm_os, name);
  }
}

TEST(ValidateRegisterRequest, AcceptsWebPush) {
  auto got = ValidateRegisterRequest(WebPush());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->platform, domain::Platform::kWebPush);
  EXPECT_EQ(got->token, "https://fcm.googleapis.com/fcm/send/abc:def");
  EXPECT_EQ(got->webpush_p256dh, P256dh());
  EXPECT_EQ(got->webpush_auth, Auth());
}

TEST(ValidateRegisterRequest, CopiesDevice) {
  pb::RegisterTokenRequest r = Fcm();
  r.mutable_device()->set_device_id("pixel-7");
  r.mutable_device()->set_app_version("4.2.0");
  r.mutable_device()->set_locale("de-CH");
  (*r.mutable_device()->mutable_labels())["tier"] = "beta";
  auto got = ValidateRegisterRequest(r);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->device.device_id, "pixel-7");
  EXPECT_EQ(got->device.app_version, "4.2.0");
  EXPECT_EQ(got->device.locale, "de-CH");
  EXPECT_EQ(got->device.labels.at("tier"), "beta");
}

TEST(ValidateRegisterRequest, IdentifiersRequiredBoundedPrintable) {
  for (const char* field : {"app_id", "uid", "session_id"}) {
    SCOPED_TRACE(field);
    auto set = [&](pb::RegisterTokenRequest& r, const std::string& v) {
      if (std::string(field) == "app_id") r.set_app_id(v);
      if (std::string(field) == "uid") r.set_uid(v);
      if (std::string(field) == "session_id") r.set_session_id(v);
    };
    pb::RegisterTokenRequest r = Fcm();
    set(r, "");
    ExpectInvalid(r, field);
    set(r, std::string(256, 'x'));
    ExpectInvalid(r, field);
    set(r, "a\nb");
    ExpectInvalid(r, field);
    set(r, std::string("a\x7f", 2));
    ExpectInvalid(r, field);
    set(r, std::string(255, 'x'));
    EXPECT_TRUE(ValidateRegisterRequest(r).ok());
    set(r, "ünïcode ok");
    EXPECT_TRUE(ValidateRegisterRequest(r).ok());
  }
}

TEST(ValidateRegisterRequest, PlatformMustBeSpecifiedAndKnown) {
  pb::RegisterTokenRequest r = Fcm();
  r.set_platform(pb::PLATFORM_UNSPECIFIED);
  ExpectInvalid(r, "platform");
  r.set_platform(static_cast<pb::Platform>(42));
  ExpectInvalid(r, "platform");
}

TEST(ValidateRegisterRequest, ApnsTokenRules) {
  for (pb::Platform p : {pb::PLATFORM_APNS, pb::PLATFORM_APNS_VOIP}) {
    SCOPED_TRACE(pb::Platform_Name(p));
    pb::RegisterTokenRequest r = Apns(p);
    r.set_token("");
    ExpectInvalid(r, "token");
    r.set_token(std::string(63, 'a'));  // odd
    ExpectInvalid(r, "token");
    r.set_token(std::string(30, 'a'));  // too short
    ExpectInvalid(r, "token");
    r.set_token(std::string(202, 'a'));  // too long
    ExpectInvalid(r, "token");
    r.set_token(std::string(62, 'a') + "zz");  // not hex
    ExpectInvalid(r, "token");
    r.set_token("<" + std::string(62, 'a') + ">");
    ExpectInvalid(r, "token");
    r.set_token(std::string(32, 'b'));
    EXPECT_TRUE(ValidateRegisterRequest(r).ok());
    r.set_token(std::string(200, 'b'));
    EXPECT_TRUE(ValidateRegisterRequest(r).ok());
  }
}

TEST(ValidateRegisterRequest, ApnsTargetRules) {
  for (pb::Platform p : {pb::PLATFORM_APNS, pb::PLATFORM_APNS_VOIP}) {
    SCOPED_TRACE(pb::Platform_Name(p));
    pb::RegisterTokenRequest r = Apns(p);
    r.clear_apns();
    ExpectInvalid(r, "apns");

    r = Apns(p);
    r.mutable_apns()->set_topic("");
    ExpectInvalid(r, "apns.topic");
    for (const char* bad : {"chat", "com..example", ".com.example", "com.example.", "com.ex ample",
                            "com.exam_ple", "com.ex/ample"}) {
      r.mutable_apns()->set_topic(bad);
      ExpectInvalid(r, "apns.topic");
    }
    r.mutable_apns()->set_topic("com." + std::string(152, 'a'));
    ExpectInvalid(r, "apns.topic");
    r.mutable_apns()->set_topic("com.Example-Corp.Chat2");
    EXPECT_TRUE(ValidateRegisterRequest(r).ok());

    r = Apns(p);
    r.mutable_apns()->set_environment(pb::APNS_ENVIRONMENT_UNSPECIFIED);
    ExpectInvalid(r, "apns.environment");
    r.mutable_apns()->set_environment(static_cast<pb::ApnsEnvironment>(9));
    ExpectInvalid(r, "apns.environment");
  }
  // VoIP topics are the bundle id; the sender adds ".voip".
  pb::RegisterTokenRequest voip = Apns(pb::PLATFORM_APNS_VOIP);
  voip.mutable_apns()->set_topic("com.example.chat.voip");
  ExpectInvalid(voip, "apns.topic");
  pb::RegisterTokenRequest alert = Apns(pb::PLATFORM_APNS);
  alert.mutable_apns()->set_topic("com.example.chat.voip");
  EXPECT_TRUE(ValidateRegisterRequest(alert).ok());
}

TEST(ValidateRegisterRequest, TargetMustMatchPlatform) {
  pb::RegisterTokenRequest r = Apns();
  r.mutable_fcm();
  ExpectInvalid(r, "fcm");
  r = Apns();
  *r.mutable_web_push() = WebPush().web_push();
  ExpectInvalid(r, "web_push");

  r = Fcm();
  *r.mutable_apns() = Apns().apns();
  ExpectInvalid(r, "apns");
  r = Fcm();
  *r.mutable_web_push() = WebPush().web_push();
  ExpectInvalid(r, "web_push");

  r = WebPush();
  r.clear_web_push();
  ExpectInvalid(r, "web_push");
  r = WebPush();
  *r.mutable_apns() = Apns().apns();
  ExpectInvalid(r, "apns");
  r = WebPush();
  r.mutable_fcm();
  ExpectInvalid(r, "fcm");
}

TEST(ValidateRegisterRequest, FcmTokenRules) {
  pb::RegisterTokenRequest r = Fcm();
  r.set_token("");
  ExpectInvalid(r, "token");
  r.set_token(std::string(4097, 'x'));
  ExpectInvalid(r, "token");
  r.set_token("abc def");
  ExpectInvalid(r, "token");
  r.set_token("abc\tdef");
  ExpectInvalid(r, "token");
  r.set_token("abc\n");
  ExpectInvalid(r, "token");
  r.set_token(std::string(4096, 'x'));
  EXPECT_TRUE(ValidateRegisterRequest(r).ok());
  r = Fcm();
  r.mutable_fcm()->set_os(static_cast<pb::DeviceOs>(7));
  ExpectInvalid(r, "fcm.os");
}

TEST(ValidateRegisterRequest, WebPushEndpointRules) {
  pb::RegisterTokenRequest r = WebPush();
  for (const std::string& bad :
       {std::string(""), std::string("http://push.example/x"), std::string("push.example/x"),
        std::string("https://"), std::string("https:///path"), std::string("https://u@h/x"),
        std::string("https://push.example/a b"), std::string("https://push.example/\x01"),
        std::string("https://push.example/\xc3\xa9"),
        "https://push.example/" + std::string(2048, 'a')}) {
    r.set_token(bad);
    ExpectInvalid(r, "token");
  }
  r.set_token("HTTPS://push.example");
  EXPECT_TRUE(ValidateRegisterRequest(r).ok());
  r.set_token("https://push.example:8443/wpush/v2/gAAAA?x=1");
  EXPECT_TRUE(ValidateRegisterRequest(r).ok());
}

TEST(ValidateRegisterRequest, WebPushKeyRules) {
  auto with = [](const std::string& p256dh, const std::string& auth) {
    pb::RegisterTokenRequest r = WebPush();
    r.mutable_web_push()->set_p256dh(p256dh);
    r.mutable_web_push()->set_auth(auth);
    return r;
  };
  std::string compressed(33, '\x11');
  compressed[0] = '\x02';
  std::string wrong_prefix(65, '\x11');
  wrong_prefix[0] = '\x05';
  ExpectInvalid(with("", Auth()), "web_push.p256dh");
  ExpectInvalid(with("!!!notbase64", Auth()), "web_push.p256dh");
  ExpectInvalid(with(Base64UrlEncode(compressed), Auth()), "web_push.p256dh");
  ExpectInvalid(with(Base64UrlEncode(wrong_prefix), Auth()), "web_push.p256dh");
  ExpectInvalid(with(P256dh(), ""), "web_push.auth");
  ExpectInvalid(with(P256dh(), "*"), "web_push.auth");
  ExpectInvalid(with(P256dh(), Base64UrlEncode(std::string(15, 'a'))), "web_push.auth");
  ExpectInvalid(with(P256dh(), Base64UrlEncode(std::string(17, 'a'))), "web_push.auth");
  // Browsers sometimes pad; both forms are base64url.
  EXPECT_TRUE(ValidateRegisterRequest(with(P256dh() + "=", Auth() + "==")).ok());
}

TEST(ValidateRegisterRequest, DeviceRules) {
  pb::RegisterTokenRequest r = Fcm();
  r.mutable_device()->set_device_id(std::string(256, 'd'));
  ExpectInvalid(r, "device.device_id");
  r = Fcm();
  r.mutable_device()->set_app_version("1\n2");
  ExpectInvalid(r, "device.app_version");
  r = Fcm();
  r.mutable_device()->set_locale(std::string(256, 'l'));
  ExpectInvalid(r, "device.locale");

  r = Fcm();
  auto& labels = *r.mutable_device()->mutable_labels();
  for (int i = 0; i < 32; ++i) labels["k" + std::to_string(i)] = "v";
  EXPECT_TRUE(ValidateRegisterRequest(r).ok());
  labels["one-too-many"] = "v";
  ExpectInvalid(r, "device.labels");

  r = Fcm();
  (*r.mutable_device()->mutable_labels())[std::string(129, 'k')] = "v";
  ExpectInvalid(r, "device.labels");
  r = Fcm();
  (*r.mutable_device()->mutable_labels())[""] = "v";
  ExpectInvalid(r, "device.labels");
  r = Fcm();
  (*r.mutable_device()->mutable_labels())["k\x01"] = "v";
  ExpectInvalid(r, "device.labels");
  r = Fcm();
  (*r.mutable_device()->mutable_labels())["k"] = std::string(257, 'v');
  ExpectInvalid(r, "device.labels[k]");
  r = Fcm();
  (*r.mutable_device()->mutable_labels())[std::string(128, 'k')] = std::string(256, 'v');
  EXPECT_TRUE(ValidateRegisterRequest(r).ok());
}

TEST(ValidateUnregisterTokenRequest, Rules) {
  pb::UnregisterTokenRequest r;
  r.set_token("tok");
  auto missing_app = ValidateUnregisterTokenRequest(r);
  EXPECT_THAT(std::string(missing_app.status().message()), StartsWith("app_id: "));
  r.set_app_id("app-a");
  r.set_token("");
  EXPECT_THAT(std::string(ValidateUnregisterTokenRequest(r).status().message()),
              StartsWith("token: "));
  r.set_token(std::string(4097, 'x'));
  EXPECT_THAT(std::string(ValidateUnregisterTokenRequest(r).status().message()),
              StartsWith("token: "));
  r.set_token("fcm-token");
  r.set_platform(static_cast<pb::Platform>(99));
  EXPECT_THAT(std::string(ValidateUnregisterTokenRequest(r).status().message()),
              StartsWith("platform: "));

  r.set_platform(pb::PLATFORM_UNSPECIFIED);
  auto any = ValidateUnregisterTokenRequest(r);
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->token, "fcm-token");
  EXPECT_FALSE(any->platform.has_value());

  // APNs tokens are matched the way they were stored: lower case.
  r.set_token(std::string(64, 'A'));
  auto hex = ValidateUnregisterTokenRequest(r);
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(hex->token, std::string(64, 'a'));
  r.set_platform(pb::PLATFORM_APNS_VOIP);
  auto voip = ValidateUnregisterTokenRequest(r);
  ASSERT_TRUE(voip.ok());
  EXPECT_EQ(voip->token, std::string(64, 'a'));
  EXPECT_EQ(voip->platform, domain::Platform::kApnsVoip);
  r.set_token("not-hex");
  EXPECT_THAT(std::string(ValidateUnregisterTokenRequest(r).status().message()),
              StartsWith("token: "));
  // FCM tokens keep their case.
  r.set_platform(pb::PLATFORM_FCM);
  r.set_token("AbC");
  EXPECT_EQ(ValidateUnregisterTokenRequest(r)->token, "AbC");
}

TEST(ValidateUnregisterSessionAndUser, Rules) {
  pb::UnregisterSessionRequest s;
  s.set_app_id("app-a");
  s.set_uid("alice");
  EXPECT_THAT(std::string(ValidateUnregisterSessionRequest(s).status().message()),
              StartsWith("session_id: "));
  s.set_session_id("s1");
  auto ok = ValidateUnregisterSessionRequest(s);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->session_id, "s1");

  pb::UnregisterUserRequest u;
  u.set_app_id("app-a");
  EXPECT_THAT(std::string(ValidateUnregisterUserRequest(u).status().message()),
              StartsWith("uid: "));
  u.set_uid("alice");
  EXPECT_TRUE(ValidateUnregisterUserRequest(u).ok());
}

TEST(ValidateListTokensRequest, PageSizeAndToken) {
  pb::ListTokensRequest r;
  r.set_app_id("app-a");
  r.set_uid("alice");
  auto d = ValidateListTokensRequest(r);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->limit, 100);
  EXPECT_EQ(d->before_id, 0);
  EXPECT_FALSE(d->active_only);

  r.set_page_size(5000);
  r.set_active_only(true);
  auto capped = ValidateListTokensRequest(r);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->limit, 1000);
  EXPECT_TRUE(capped->active_only);

  r.set_page_size(-1);
  EXPECT_THAT(std::string(ValidateListTokensRequest(r).status().message()),
              StartsWith("page_size: "));

  r.set_page_size(7);
  r.set_page_token(EncodePageToken(12345));
  auto paged = ValidateListTokensRequest(r);
  ASSERT_TRUE(paged.ok());
  EXPECT_EQ(paged->limit, 7);
  EXPECT_EQ(paged->before_id, 12345);

  for (const std::string& bad : {std::string("%%%"), Base64UrlEncode("abc"), Base64UrlEncode("-5"),
                                 Base64UrlEncode("0"), Base64UrlEncode("99999999999999999999")}) {
    r.set_page_token(bad);
    auto got = ValidateListTokensRequest(r);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(got.status().message()), StartsWith("page_token: "));
  }
  r.clear_page_token();
  r.set_uid("");
  EXPECT_THAT(std::string(ValidateListTokensRequest(r).status().message()), StartsWith("uid: "));
}

TEST(PageToken, RoundTrips) {
  for (int64_t id : {int64_t{1}, int64_t{42}, int64_t{9'007'199'254'740'993}}) {
    EXPECT_EQ(DecodePageToken(EncodePageToken(id)), id);
  }
  EXPECT_EQ(DecodePageToken(""), std::nullopt);
}

TEST(ValidateRegisterRequest, MessagesNameTheProblem) {
  pb::RegisterTokenRequest r = Apns();
  r.clear_apns();
  EXPECT_THAT(std::string(ValidateRegisterRequest(r).status().message()),
              HasSubstr("required for PLATFORM_APNS"));
  r = Fcm();
  *r.mutable_web_push() = WebPush().web_push();
  EXPECT_THAT(std::string(ValidateRegisterRequest(r).status().message()),
              HasSubstr("does not match platform PLATFORM_FCM"));
}

}  // namespace
}  // namespace pushgate::grpc_api
