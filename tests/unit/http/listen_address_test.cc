#include "http/listen_address.h"

#include "gtest/gtest.h"

namespace pushgate::http {
namespace {

TEST(ParseHostPort, AcceptsTheDocumentedForms) {
  auto v4 = ParseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto v6 = ParseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  auto any = ParseHostPort(":443");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "");
  EXPECT_EQ(any->port, 443);
  EXPECT_TRUE(ParseHostPort("localhost:65535").ok());
}

TEST(ParseHostPort, RejectsBrokenAddresses) {
  for (const char* bad : {"", "8080", "host:", "host:65536", "host:80a", "::1:80", "[::1:80",
                          "host:-1", "host:123456"}) {
    const auto r = ParseHostPort(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace pushgate::http
