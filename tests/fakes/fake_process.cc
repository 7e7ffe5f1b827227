#include "fakes/fake_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>

namespace pushgate::fakes {

bool HaveTool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string MissingTools(const std::vector<std::string>& tools) {
  std::string missing, packages;
  for (const std::string& tool : tools) {
    if (HaveTool(tool)) continue;
    const std::string package = tool == "node" ? "nodejs" : tool == "basenc" ? "coreutils" : tool;
    missing += (missing.empty() ? "" : ", ") + tool;
    packages += " " + package;
  }
  if (missing.empty()) return "";
  return "missing " + missing + ": run tools/setup.sh as root (or apt-get install" + packages + ")";
}

bool RunQuietly(const std::string& cmd) {
  return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

bool FakeProcess::Start(const std::vector<std::string>& argv, const std::string& ports_pattern) {
  if (argv.empty()) return false;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) return false;
  const pid_t test_pid = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // A test binary that crashes or exits without Stop() must not leave the fake running: it
    // would hold the test runner's inherited stderr open, and CI would wait on it forever.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != test_pid) _exit(127);  // the test died before prctl took effect
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[256];
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  std::smatch m;
  if (!std::regex_search(line, m, std::regex(ports_pattern))) return false;
  ports_.clear();
  for (size_t i = 1; i < m.size(); ++i) ports_.push_back(std::stoi(m[i]));
  return true;
}

void FakeProcess::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

}  // namespace pushgate::fakes
