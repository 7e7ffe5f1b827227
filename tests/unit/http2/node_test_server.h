// Runs h2_test_server.js as a child process for one test and reads what it observed.
#ifndef PUSHGATE_TESTS_UNIT_HTTP2_NODE_TEST_SERVER_H_
#define PUSHGATE_TESTS_UNIT_HTTP2_NODE_TEST_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace pushgate::testing {

class NodeTestServer {
 public:
  // `extra_args`: e.g. {"--mode", "h1"} or {"--strict"}.
  static absl::StatusOr<std::unique_ptr<NodeTestServer>> Start(
      const std::string& key, const std::string& cert, std::vector<std::string> extra_args = {});
  ~NodeTestServer();

  int port() const { return port_; }
  // The server's counters: connections, requests, active, maxActive, maxActivePerConnection,
  // paths, authorities, lastHeaders.
  absl::StatusOr<nlohmann::json> Stats() const;

 private:
  NodeTestServer() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
  int control_port_ = 0;
};

// True if `node` and `openssl` can be run (the tests fail otherwise).
bool TestToolsAvailable();

}  // namespace pushgate::testing

#endif  // PUSHGATE_TESTS_UNIT_HTTP2_NODE_TEST_SERVER_H_
