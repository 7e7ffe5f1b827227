// The stable transport_error texts the engine and providers classify on.
#include "providers/http2_errors.h"

#include <openssl/x509_vfy.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "providers/http2_alpn.h"

namespace pushgate::providers::http2_internal {
namespace {

using ::testing::StartsWith;

TEST(DescribeCurlFailureTest, TimeoutSetsTimedOut) {
  CurlFailure failure = DescribeCurlFailure(CURLE_OPERATION_TIMEDOUT, "Operation timed out", 0);
  EXPECT_EQ(failure.text, "timeout");
  EXPECT_TRUE(failure.timed_out);
}

TEST(DescribeCurlFailureTest, CutStreamsAreConnectionClosed) {
  for (CURLcode code : {CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
                        CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE}) {
    CurlFailure failure = DescribeCurlFailure(code, "detail", 0);
    EXPECT_EQ(failure.text, "connection closed: GOAWAY/stream reset") << code;
    EXPECT_FALSE(failure.timed_out);
  }
}

TEST(DescribeCurlFailureTest, ConnectAndResolve) {
  EXPECT_EQ(DescribeCurlFailure(CURLE_COULDNT_CONNECT, "x", 0).text, "connect failed");
  EXPECT_EQ(DescribeCurlFailure(CURLE_COULDNT_RESOLVE_HOST, "x", 0).text, "resolve failed");
}

TEST(DescribeCurlFailureTest, TlsKeepsLibcurlsDetail) {
  EXPECT_EQ(DescribeCurlFailure(CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem: x",
                                X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
                .text,
            "tls: SSL certificate problem: x");
  EXPECT_THAT(DescribeCurlFailure(CURLE_SSL_CACERT_BADFILE, "", 0).text, StartsWith("tls: "));
  EXPECT_THAT(DescribeCurlFailure(CURLE_SSL_CONNECT_ERROR, nullptr, 0).text, StartsWith("tls: "));
}

TEST(DescribeCurlFailureTest, AlpnRefusalIsNotHttp2) {
  EXPECT_TRUE(IsAlpnRefusal(X509_V_ERR_APPLICATION_VERIFICATION));
  EXPECT_FALSE(IsAlpnRefusal(0));
  EXPECT_EQ(
      DescribeCurlFailure(CURLE_PEER_FAILED_VERIFICATION, "", X509_V_ERR_APPLICATION_VERIFICATION)
          .text,
      "server did not negotiate HTTP/2");
}

TEST(DescribeCurlFailureTest, OthersArePrefixed) {
  EXPECT_THAT(DescribeCurlFailure(CURLE_URL_MALFORMAT, "", 0).text,
              StartsWith("invalid request: "));
  EXPECT_THAT(DescribeCurlFailure(CURLE_OUT_OF_MEMORY, "", 0).text, StartsWith("transport: "));
}

}  // namespace
}  // namespace pushgate::providers::http2_internal
