#include "providers/webpush_encryption.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/crypto.h"

namespace pushgate::providers {
namespace {

std::string B64(const char* text) { return *Base64UrlDecode(text); }

// RFC 8291 Appendix A: the worked example, with its line breaks removed.
constexpr char kPlaintext[] = "When I grow up, I want to be a watermelon";
constexpr char kAsPrivate[] = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr char kAsPublic[] =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr char kUaPublic[] =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr char kSalt[] = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr char kAuthSecret[] = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr char kBody[] =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6"
    "TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_"
    "Qulcy4a-fN";

WebPushEphemeral RfcEphemeral() {
  auto e = WebPushEphemeralFromRaw(B64(kAsPrivate), B64(kSalt));
  EXPECT_TRUE(e.ok()) << e.status();
  return *e;
}

TEST(WebPushEncryption, ReproducesRfc8291AppendixAByteForByte) {
  const WebPushEphemeral e = RfcEphemeral();
  EXPECT_EQ(Base64UrlEncode(e.public_key), kAsPublic);
  auto body = EncryptWebPushPayload(kPlaintext, B64(kUaPublic), B64(kAuthSecret), e, 4096);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(Base64UrlEncode(*body), kBody);
}

TEST(WebPushEncryption, HeaderCarriesSaltRecordSizeAndSenderKey) {
  const WebPushEphemeral e = RfcEphemeral();
  auto body = EncryptWebPushPayload("hi", B64(kUaPublic), B64(kAuthSecret), e, 4096);
  ASSERT_TRUE(body.ok());
  ASSERT_EQ(body->size(), kWebPushHeaderBytes + 2 + kWebPushRecordOverhead);
  EXPECT_EQ(body->substr(0, 16), B64(kSalt));
  EXPECT_EQ(body->substr(16, 4), std::string("\x00\x00\x10\x00", 4));
  EXPECT_EQ(static_cast<unsigned char>((*body)[20]), 65);
  EXPECT_EQ(body->substr(21, 65), e.public_key);
}

TEST(WebPushEncryption, LargestPlaintextFillsExactly4096Bytes) {
  const WebPushEphemeral e = RfcEphemeral();
  const std::string plaintext(kWebPushMaxPlaintextBytes, 'x');
  auto body = EncryptWebPushPayload(plaintext, B64(kUaPublic), B64(kAuthSecret), e);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(kWebPushMaxPlaintextBytes, 3993u);
  EXPECT_EQ(body->size(), kWebPushMaxBodyBytes);
}

TEST(WebPushEncryption, PlaintextOverOneRecordIsOutOfRange) {
  const WebPushEphemeral e = RfcEphemeral();
  auto body =
      EncryptWebPushPayload(std::string(4096 - 16, 'x'), B64(kUaPublic), B64(kAuthSecret), e, 4096);
  EXPECT_EQ(body.status().code(), absl::StatusCode::kOutOfRange);
}

TEST(WebPushEncryption, BadSubscriptionKeysAreNamed) {
  const WebPushEphemeral e = RfcEphemeral();
  auto short_key = EncryptWebPushPayload("x", B64(kUaPublic).substr(0, 64), B64(kAuthSecret), e);
  EXPECT_EQ(short_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_key.status().message().find("p256dh"), std::string::npos);

  std::string off_curve = B64(kUaPublic);
  off_curve[64] ^= 0x01;  // same length and prefix, no longer on P-256
  auto bad_point = EncryptWebPushPayload("x", off_curve, B64(kAuthSecret), e);
  EXPECT_EQ(bad_point.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_point.status().message().find("not a point"), std::string::npos);

  auto bad_auth = EncryptWebPushPayload("x", B64(kUaPublic), "short", e);
  EXPECT_EQ(bad_auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_auth.status().message().find("auth"), std::string::npos);
}

TEST(WebPushEncryption, RawEphemeralRejectsBadInput) {
  EXPECT_FALSE(WebPushEphemeralFromRaw(B64(kAsPrivate), "short-salt").ok());
  EXPECT_FALSE(WebPushEphemeralFromRaw(std::string(32, '\0'), B64(kSalt)).ok());
  EXPECT_FALSE(WebPushEphemeralFromRaw(std::string(32, '\xff'), B64(kSalt)).ok());  // ≥ order
  EXPECT_FALSE(WebPushEphemeralFromRaw("abc", B64(kSalt)).ok());
}

TEST(WebPushEncryption, FreshEphemeralsDifferAndEncryptionVaries) {
  std::set<std::string> keys;
  std::set<std::string> salts;
  std::set<std::string> bodies;
  for (int i = 0; i < 5; ++i) {
    auto e = NewWebPushEphemeral();
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->public_key.size(), 65u);
    EXPECT_EQ(e->public_key[0], '\x04');
    EXPECT_EQ(e->salt.size(), 16u);
    keys.insert(e->public_key);
    salts.insert(e->salt);
    auto body = EncryptWebPushPayload(kPlaintext, B64(kUaPublic), B64(kAuthSecret), *e);
    ASSERT_TRUE(body.ok());
    bodies.insert(*body);
  }
  EXPECT_EQ(keys.size(), 5u);
  EXPECT_EQ(salts.size(), 5u);
  EXPECT_EQ(bodies.size(), 5u);
}

}  // namespace
}  // namespace pushgate::providers
