// Reads the CometChat sample payloads in tests/fixtures/cometchat/.
#ifndef PUSHGATE_TESTS_UNIT_WEBHOOK_FIXTURES_H_
#define PUSHGATE_TESTS_UNIT_WEBHOOK_FIXTURES_H_

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace pushgate::webhook::testing {

inline std::string ReadFixture(const std::string& name) {
  const std::string path = std::string(PUSHGATE_FIXTURES_DIR) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline const char* const kFixtureNames[] = {"chat.json", "call.json", "reaction.json",
                                            "group_action.json"};

}  // namespace pushgate::webhook::testing

#endif  // PUSHGATE_TESTS_UNIT_WEBHOOK_FIXTURES_H_
