// Test scaffolding shared by the end-to-end tests that run a Node provider fake: look for the
// CLI tools, run a setup command, start the fake and read the ports it prints.
#ifndef PUSHGATE_TESTS_FAKES_FAKE_PROCESS_H_
#define PUSHGATE_TESTS_FAKES_FAKE_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace pushgate::fakes {

// True when `name` is on PATH.
bool HaveTool(const std::string& name);

// "" when every tool is on PATH; otherwise which are missing and the Debian package to install
// for each, for a test to FAIL with (a missing tool never passes a suite by skipping it).
std::string MissingTools(const std::vector<std::string>& tools);

// Runs `cmd` through the shell with its output discarded; true on exit status 0.
bool RunQuietly(const std::string& cmd);

// A child process that announces its ports on the first line of its stdout
// (e.g. "apns_port=41825 control_port=34571").
class FakeProcess {
 public:
  // Starts `argv` (argv[0] is looked up on PATH) and waits up to 15 s for the first line of its
  // stdout, which must match `ports_pattern`; each capture group is a port, in ports().
  bool Start(const std::vector<std::string>& argv, const std::string& ports_pattern);
  // SIGTERM and reap; a no-op when not running.
  void Stop();
  const std::vector<int>& ports() const { return ports_; }

 private:
  pid_t pid_ = -1;
  std::vector<int> ports_;
};

}  // namespace pushgate::fakes

#endif  // PUSHGATE_TESTS_FAKES_FAKE_PROCESS_H_
