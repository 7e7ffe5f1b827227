// The stable transport_error texts the engine and providers classify on.
#include "providers/http2_errors.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgate::providers::http2_internal {
namespace {

using ::testing::StartsWith;

TEST(DescribeCurlFailureTest, TimeoutSetsTimedOut) {
  CurlFailure failure = DescribeCurlFailure(CURLE_OPERATION_TIMEDOUT, "Operation timed out", false);
  EXPECT_EQ(failure.text, "timeout");
  EXPECT_TRUE(failure.timed_out);
}

TEST(DescribeCurlFailureTest, CutStreamsAreConnectionClosed) {
  for (CURLcode code : {CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
                        CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE}) {
    CurlFailure failure = DescribeCurlFailure(code, "detail", false);
    EXPECT_EQ(failure.text, "connection closed: GOAWAY/stream reset") << code;
    EXPECT_FALSE(failure.timed_out);
  }
}

TEST(DescribeCurlFailureTest, ConnectAndResolve) {
  EXPECT_EQ(DescribeCurlFailure(CURLE_COULDNT_CONNECT, "x", false).text, "connect failed");
  EXPECT_EQ(DescribeCurlFailure(CURLE_COULDNT_RESOLVE_HOST, "x", false).text, "resolve failed");
}

TEST(DescribeCurlFailureTest, TlsKeepsLibcurlsDetail) {
  EXPECT_EQ(
      DescribeCurlFailure(CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem: x", false).text,
      "tls: SSL certificate problem: x");
  EXPECT_THAT(DescribeCurlFailure(CURLE_SSL_CACERT_BADFILE, "", false).text, StartsWith("tls: "));
  EXPECT_THAT(DescribeCurlFailure(CURLE_SSL_CONNECT_ERROR, nullptr, false).text,
              StartsWith("tls: "));
}

TEST(DescribeCurlFailureTest, AlpnRefusalIsNotHttp2) {
  EXPECT_EQ(DescribeCurlFailure(CURLE_PEER_FAILED_VERIFICATION, "", true).text,
            "server did not negotiate HTTP/2");
  EXPECT_EQ(DescribeCurlFailure(CURLE_SSL_CONNECT_ERROR, "", true).text,
            "server did not negotiate HTTP/2");
  // The flag only explains handshake failures.
  EXPECT_EQ(DescribeCurlFailure(CURLE_OPERATION_TIMEDOUT, "", true).text, "timeout");
}

TEST(DescribeCurlFailureTest, OthersArePrefixed) {
  EXPECT_THAT(DescribeCurlFailure(CURLE_URL_MALFORMAT, "", false).text,
              StartsWith("invalid request: "));
  EXPECT_THAT(DescribeCurlFailure(CURLE_OUT_OF_MEMORY, "", false).text, StartsWith("transport: "));
}

}  // namespace
}  // namespace pushgate::providers::http2_internal
