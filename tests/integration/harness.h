// Test harness for integration tests: starts the real pushgate binary on free ports with a
// temporary data directory, and talks to it over real HTTP (libcurl).
#ifndef PUSHGATE_TESTS_INTEGRATION_HARNESS_H_
#define PUSHGATE_TESTS_INTEGRATION_HARNESS_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace pushgate::testing {

// A directory under /tmp removed with everything in it when this goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
// tests/fixtures/cometchat/<name>.json
std::string Fixture(const std::string& name);

// A config for one app "app123" with webhook user "cometchat"/"secret-pass" and API key
// "test-api-key", a second app "app456" with "other"/"other-pass" and key "other-api-key",
// ports 0 (the kernel picks), `data_dir` as given. `extra` is merged in at the top level
// (e.g. R"("store": {"max_db_bytes": 1000000})"); it must be a JSON object body or "".
std::string TestConfig(const std::string& data_dir, const std::string& extra = "");

class PushgateProcess {
 public:
  struct Options {
    std::string config_json;  // written to <dir>/pushgate.json; empty: no --config (demo)
    std::string data_dir;
    std::vector<std::string> extra_args;
    std::map<std::string, std::string> env;
  };

  // Starts the binary and waits for its "pushgate listening" line. Fails the test (ADD_FAILURE)
  // and returns nullptr when it does not come within 30 s.
  static std::unique_ptr<PushgateProcess> Start(const Options& options);
  ~PushgateProcess();

  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }
  std::string http_url(const std::string& path) const;
  std::string grpc_address() const;

  // Sends `signal` (e.g. SIGHUP to reload the config) without waiting for anything.
  void Signal(int signal);
  // The --config file the process was started with ("" for the demo): rewrite it, then
  // Signal(SIGHUP), to test a reload.
  const std::string& config_path() const { return config_path_; }

  // SIGKILL and reap: nothing gets to run after this.
  void Kill9();
  // SIGTERM and wait; returns the exit status (as from waitpid's WEXITSTATUS, or -signal).
  int Terminate();
  bool running() const { return pid_ > 0; }
  // The process id while running (for /proc samples), else -1.
  pid_t pid() const { return pid_; }
  // Everything the process wrote to stdout so far, and the log (stderr) file.
  std::string Stdout() const;
  std::string Log() const;

 private:
  PushgateProcess() = default;
  int Reap();

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string stdout_text_;
  std::string log_path_;
  std::string config_path_;
  int http_port_ = 0;
  int grpc_port_ = 0;
};

struct HttpResult {
  long status = 0;  // 0: no answer (connection refused, reset, timeout)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;
};

using Headers = std::vector<std::string>;  // "Name: value"

HttpResult HttpRequest(const std::string& method, const std::string& url,
                       const std::string& body = "", const Headers& headers = {},
                       long timeout_ms = 10'000);
inline HttpResult HttpGet(const std::string& url) { return HttpRequest("GET", url); }
HttpResult PostWebhook(const PushgateProcess& p, const std::string& body,
                       const std::string& user = "cometchat",
                       const std::string& password = "secret-pass");
std::string BasicAuthHeader(const std::string& user, const std::string& password);

// POSTs every body at once over up to `connections` parallel connections (libcurl multi) and
// returns one result per body, in order.
std::vector<HttpResult> ConcurrentPosts(const std::string& url,
                                        const std::vector<std::string>& bodies,
                                        const Headers& headers, int connections);

// The chat fixture with data.to.uid replaced, so each body is a distinct notification.
std::string ChatPayloadFor(const std::string& uid, const std::string& app_id = "app123");

// Runs `sql` against the database with the sqlite3 CLI's semantics via SQLiteCpp and returns
// the first column of the first row as text ("" when no row).
std::string QueryOne(const std::string& db_path, const std::string& sql);

// Polls `done` every 20 ms until it is true or `timeout` passes; returns its last answer.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace pushgate::testing

#endif  // PUSHGATE_TESTS_INTEGRATION_HARNESS_H_
