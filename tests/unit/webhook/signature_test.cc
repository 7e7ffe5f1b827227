#include "webhook/signature.h"

#include "absl/strings/ascii.h"
#include "common/crypto.h"
#include "gtest/gtest.h"

namespace pushgate::webhook {
namespace {

constexpr char kSecret[] = "hmac-secret";
constexpr char kBody[] = R"({"appId":"app123"})";

std::string Sign(std::string_view secret, std::string_view body) {
  return HexEncode(HmacSha256(secret, body));
}

TEST(VerifyBodySignature, AcceptsTheHexDigestWithOrWithoutPrefixInAnyCase) {
  const std::string hex = Sign(kSecret, kBody);
  EXPECT_TRUE(VerifyBodySignature(kSecret, hex, kBody).ok());
  EXPECT_TRUE(VerifyBodySignature(kSecret, "sha256=" + hex, kBody).ok());
  EXPECT_TRUE(VerifyBodySignature(kSecret, absl::AsciiStrToUpper(hex), kBody).ok());
}

TEST(VerifyBodySignature, RejectsMissingMalformedAndWrongSignatures) {
  const std::string hex = Sign(kSecret, kBody);
  for (const std::string& bad :
       {std::string(), std::string("sha256="), hex.substr(0, 62), hex + "00", "zz" + hex.substr(2),
        Sign("other-secret", kBody), Sign(kSecret, std::string(kBody) + " "), "sha1=" + hex}) {
    const absl::Status s = VerifyBodySignature(kSecret, bad, kBody);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << bad;
  }
}

}  // namespace
}  // namespace pushgate::webhook
