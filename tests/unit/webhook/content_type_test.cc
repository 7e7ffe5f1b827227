#include "webhook/content_type.h"

#include "gtest/gtest.h"

namespace pushgate::webhook {
namespace {

TEST(IsJsonContentType, AcceptsApplicationJsonWithParameters) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType("application/json;charset=UTF-8"));
  EXPECT_TRUE(IsJsonContentType("  application/json  ; charset=utf-8"));
}

TEST(IsJsonContentType, RejectsEverythingElse) {
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsJsonContentType("application/jsonp"));
  EXPECT_FALSE(IsJsonContentType("application/json-patch+json"));
}

}  // namespace
}  // namespace pushgate::webhook
