#include "grpc/registry_mapping.h"

#include "gtest/gtest.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;

TEST(RegistryMapping, ApnsRegistration) {
  domain::Registration r;
  r.id = 77;
  r.input.app_id = "app-a";
  r.input.uid = "alice";
  r.input.session_id = "s1";
  r.input.platform = domain::Platform::kApnsVoip;
  r.input.token = "abcd";
  r.input.apns_topic = "com.example.chat";
  r.input.apns_environment = "sandbox";
  r.input.device.device_id = "iphone";
  r.input.device.labels["k"] = "v";
  r.active = false;
  r.inactive_reason = domain::InactiveReason::kProviderRejected;
  r.inactive_detail = "apns 410 Unregistered";
  r.created_at_ms = 1'700'000'000'123;
  r.updated_at_ms = 1'700'000'001'000;
  r.inactive_at_ms = 1'700'000'002'999;

  pb::Registration out;
  ToProtoRegistration(r, &out);
  EXPECT_EQ(out.id(), "77");
  EXPECT_EQ(out.app_id(), "app-a");
  EXPECT_EQ(out.uid(), "alice");
  EXPECT_EQ(out.session_id(), "s1");
  EXPECT_EQ(out.platform(), pb::PLATFORM_APNS_VOIP);
  EXPECT_EQ(out.token(), "abcd");
  ASSERT_TRUE(out.has_apns());
  EXPECT_EQ(out.apns().topic(), "com.example.chat");
  EXPECT_EQ(out.apns().environment(), pb::APNS_ENVIRONMENT_SANDBOX);
  EXPECT_EQ(out.device().device_id(), "iphone");
  EXPECT_EQ(out.device().labels().at("k"), "v");
  EXPECT_EQ(out.state(), pb::REGISTRATION_STATE_INACTIVE);
  EXPECT_EQ(out.inactive_reason(), pb::INACTIVE_REASON_PROVIDER_REJECTED);
  EXPECT_EQ(out.inactive_detail(), "apns 410 Unregistered");
  EXPECT_EQ(out.create_time().seconds(), 1'700'000'000);
  EXPECT_EQ(out.create_time().nanos(), 123'000'000);
  EXPECT_EQ(out.update_time().seconds(), 1'700'000'001);
  EXPECT_EQ(out.inactive_time().seconds(), 1'700'000'002);
  EXPECT_EQ(out.inactive_time().nanos(), 999'000'000);
}

TEST(RegistryMapping, FcmAndWebPushTargets) {
  domain::Registration fcm;
  fcm.input.platform = domain::Platform::kFcm;
  fcm.input.fcm_os = "android";
  pb::Registration out;
  ToProtoRegistration(fcm, &out);
  ASSERT_TRUE(out.has_fcm());
  EXPECT_EQ(out.fcm().os(), pb::DEVICE_OS_ANDROID);
  EXPECT_EQ(out.state(), pb::REGISTRATION_STATE_ACTIVE);
  EXPECT_FALSE(out.has_inactive_time());
  EXPECT_FALSE(out.has_device());

  domain::Registration web;
  web.input.platform = domain::Platform::kWebPush;
  web.input.webpush_p256dh = "BP";
  web.input.webpush_auth = "AU";
  out.Clear();
  ToProtoRegistration(web, &out);
  ASSERT_TRUE(out.has_web_push());
  EXPECT_EQ(out.web_push().p256dh(), "BP");
  EXPECT_EQ(out.web_push().auth(), "AU");
}

TEST(RegistryMapping, EveryInactiveReason) {
  EXPECT_EQ(ToProtoInactiveReason(domain::InactiveReason::kNone), pb::INACTIVE_REASON_UNSPECIFIED);
  EXPECT_EQ(ToProtoInactiveReason(domain::InactiveReason::kUnregistered),
            pb::INACTIVE_REASON_UNREGISTERED);
  EXPECT_EQ(ToProtoInactiveReason(domain::InactiveReason::kSessionEnded),
            pb::INACTIVE_REASON_SESSION_ENDED);
  EXPECT_EQ(ToProtoInactiveReason(domain::InactiveReason::kUserDeleted),
            pb::INACTIVE_REASON_USER_DELETED);
  EXPECT_EQ(ToProtoInactiveReason(domain::InactiveReason::kReplaced), pb::INACTIVE_REASON_REPLACED);
  EXPECT_EQ(ToProtoInactiveReason(domain::InactiveReason::kCapExceeded),
            pb::INACTIVE_REASON_CAP_EXCEEDED);
  EXPECT_EQ(ToProtoInactiveReason(domain::InactiveReason::kProviderRejected),
            pb::INACTIVE_REASON_PROVIDER_REJECTED);
}

TEST(RegistryMapping, TimestampBeforeEpochKeepsNanosPositive) {
  google::protobuf::Timestamp ts;
  ToProtoTimestamp(-1, &ts);
  EXPECT_EQ(ts.seconds(), -1);
  EXPECT_EQ(ts.nanos(), 999'000'000);
}

}  // namespace
}  // namespace pushgate::grpc_api
