#include "webhook/json_response.h"

#include <limits>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace pushgate::webhook {
namespace {

TEST(JsonQuote, ProducesJsonThatReadsBackToTheSameText) {
  const std::string tricky = std::string("quote\" backslash\\ newline\n tab\t nul") +
                             std::string(1, '\0') + "\x01 unicode é 😎";
  EXPECT_EQ(nlohmann::json::parse(JsonQuote(tricky)).get<std::string>(), tricky);
}

TEST(MessageBody, IsAnObjectWithOneMessage) {
  const auto doc = nlohmann::json::parse(MessageBody(R"(trigger must be "x")"));
  EXPECT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc["message"], R"(trigger must be "x")");
}

TEST(IngestedBody, CarriesTheIdAsAStringAndTheDuplicateFlag) {
  for (int64_t id : {int64_t{1}, int64_t{42}, std::numeric_limits<int64_t>::max()}) {
    for (bool duplicate : {false, true}) {
      const auto doc = nlohmann::json::parse(IngestedBody(id, duplicate));
      EXPECT_EQ(doc["id"], std::to_string(id));
      EXPECT_EQ(doc["duplicate"], duplicate);
    }
  }
}

}  // namespace
}  // namespace pushgate::webhook
