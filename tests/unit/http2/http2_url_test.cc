// The HTTP/2 client's pure parts: request URLs, `resolve` pins and request checks.
#include "providers/http2_url.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "providers/http2_job.h"

namespace pushgate::providers::http2_internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ParseRequestUrlTest, SplitsHttpsUrl) {
  auto url = ParseRequestUrl("https://api.push.apple.com/3/device/abc");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "api.push.apple.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->authority, "api.push.apple.com");
  EXPECT_EQ(url->path, "/3/device/abc");
}

TEST(ParseRequestUrlTest, PortQueryIpv6AndPlainHttp) {
  auto url = ParseRequestUrl("https://fcm.googleapis.com:8443/v1/x?y=1#frag");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->authority, "fcm.googleapis.com:8443");
  EXPECT_EQ(url->path, "/v1/x?y=1");

  url = ParseRequestUrl("http://[::1]:9000");
  ASSERT_TRUE(url.ok());
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(url->authority, "[::1]:9000");
  EXPECT_EQ(url->path, "/");

  url = ParseRequestUrl("http://127.0.0.1?q");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->path, "/?q");
}

TEST(ParseRequestUrlTest, RejectsWhatCannotBeSent) {
  for (const char* bad :
       {"ftp://x/", "https://", "https://:443/", "https://h:0/", "https://h:99999/",
        "https://h:12a/", "https://u:p@h/", "https://h/a b", "https://h/\r\n", "https://[::1/"}) {
    EXPECT_FALSE(ParseRequestUrl(bad).ok()) << bad;
  }
}

TEST(ResolveOverrideTest, MatchesHostAndPortOnly) {
  const std::vector<std::string> resolve = {"api.push.apple.com:443:10.0.0.1",
                                            "Other.Example:8443:10.0.0.2,[::1]"};
  EXPECT_THAT(ResolveOverride(resolve, "api.push.apple.com", 443), ElementsAre("10.0.0.1"));
  EXPECT_THAT(ResolveOverride(resolve, "api.push.apple.com", 8443), IsEmpty());
  EXPECT_THAT(ResolveOverride(resolve, "other.example", 8443), ElementsAre("10.0.0.2", "::1"));
  EXPECT_THAT(ResolveOverride(resolve, "unknown", 443), IsEmpty());
  EXPECT_THAT(ResolveOverride({"[::1]:443:::1", "broken", "h:x:1.2.3.4"}, "::1", 443),
              ElementsAre("::1"));
}

TEST(CheckRequestTest, RefusesHeaderInjectionAndBadTokens) {
  Http2Request request;
  request.headers = {{"apns-topic", "com.example"}, {"x-empty", ""}};
  EXPECT_TRUE(CheckRequest(request).ok());
  request.headers = {{"x", "a\r\nauthorization: stolen"}};
  EXPECT_FALSE(CheckRequest(request).ok());
  request.headers = {{"bad name", "v"}};
  EXPECT_FALSE(CheckRequest(request).ok());
  request.headers = {};
  request.method = "PO ST";
  EXPECT_FALSE(CheckRequest(request).ok());
}

TEST(DeadlineAfterTest, InfiniteMeansNone) {
  const Clock::time_point now = Clock::now();
  EXPECT_EQ(DeadlineAfter(now, absl::InfiniteDuration()), Clock::time_point::max());
  EXPECT_EQ(DeadlineAfter(now, absl::Milliseconds(300)), now + std::chrono::milliseconds(300));
}

}  // namespace
}  // namespace pushgate::providers::http2_internal
