#include "http/response_serializer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgate::http {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(SerializeResponse, FramesStatusHeadersAndBody) {
  HttpResponse r = Json(200, R"({"id":"1"})");
  r.headers.emplace_back("Retry-After", "1");
  const std::string out =
      SerializeResponse(r, {true, false, false, "Sun, 06 Nov 1994 08:49:37 GMT"});
  EXPECT_THAT(out, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(out, HasSubstr("\r\nServer: pushgate\r\n"));
  EXPECT_THAT(out, HasSubstr("\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
  EXPECT_THAT(out, HasSubstr("\r\nContent-Type: application/json\r\n"));
  EXPECT_THAT(out, HasSubstr("\r\nContent-Length: 10\r\n"));
  EXPECT_THAT(out, HasSubstr("\r\nRetry-After: 1\r\n"));
  EXPECT_THAT(out, Not(HasSubstr("Connection:")));
  EXPECT_THAT(out, EndsWith("\r\n\r\n{\"id\":\"1\"}"));
}

TEST(SerializeResponse, SaysConnectionCloseOrKeepAliveWhenNeeded) {
  EXPECT_THAT(SerializeResponse(Json(413, "{}"), {false, false, false, ""}),
              HasSubstr("\r\nConnection: close\r\n"));
  EXPECT_THAT(SerializeResponse(Json(200, "{}"), {true, true, false, ""}),
              HasSubstr("\r\nConnection: keep-alive\r\n"));
}

TEST(SerializeResponse, HeadKeepsTheLengthButNotTheBody) {
  const std::string out = SerializeResponse(Json(200, "12345"), {true, false, true, ""});
  EXPECT_THAT(out, HasSubstr("Content-Length: 5\r\n"));
  EXPECT_THAT(out, EndsWith("\r\n\r\n"));
}

TEST(SerializeResponse, DropsHeadersThatWouldBreakFraming) {
  HttpResponse r = Json(200, "x");
  r.headers = {{"X-Bad", "a\r\nInjected: yes"}, {"Bad\nName", "v"},           {"", "v"},
               {"Content-Length", "999"},       {"connection", "keep-alive"}, {"X-Good", "ok"}};
  const std::string out = SerializeResponse(r, {true, false, false, ""});
  EXPECT_THAT(out, Not(HasSubstr("Injected")));
  EXPECT_THAT(out, Not(HasSubstr("999")));
  EXPECT_THAT(out, Not(HasSubstr("keep-alive")));
  EXPECT_THAT(out, HasSubstr("X-Good: ok\r\n"));
}

TEST(SerializeResponse, UsesTheReasonPhraseOfEachStatus) {
  for (int status : {400, 401, 403, 404, 405, 408, 413, 415, 431, 500, 503}) {
    const std::string out = SerializeResponse(Json(status, ""), {true, false, false, ""});
    EXPECT_THAT(out, StartsWith("HTTP/1.1 " + std::to_string(status) + " " +
                                std::string(ReasonPhrase(status)) + "\r\n"));
    EXPECT_NE(ReasonPhrase(status), "Unknown");
  }
  EXPECT_EQ(ReasonPhrase(299), "Unknown");
}

TEST(HttpDate, IsImfFixdate) {
  EXPECT_EQ(HttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace pushgate::http
