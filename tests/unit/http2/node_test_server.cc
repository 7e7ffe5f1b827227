#include "node_test_server.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace pushgate::testing {
namespace {

// Reads the child's first line, giving up after `timeout_ms` (node start-up takes ~50 ms).
absl::StatusOr<std::string> ReadLine(int fd, int timeout_ms) {
  std::string line;
  while (line.find('\n') == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return absl::DeadlineExceededError("server did not start");
    char buffer[256];
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) return absl::UnavailableError("server exited: " + line);
    line.append(buffer, static_cast<size_t>(n));
  }
  return line.substr(0, line.find('\n'));
}

size_t Append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NodeTestServer>> NodeTestServer::Start(
    const std::string& key, const std::string& cert, std::vector<std::string> extra_args) {
  std::vector<std::string> args = {"node", H2_TEST_SERVER_JS, "--key", key, "--cert", cert};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe");
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, "node", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    return absl::InternalError("cannot spawn node");
  }
  std::unique_ptr<NodeTestServer> server(new NodeTestServer());
  server->pid_ = pid;
  server->stdin_fd_ = in_pipe[1];
  absl::StatusOr<std::string> line = ReadLine(out_pipe[0], 5000);
  close(out_pipe[0]);
  if (!line.ok()) return line.status();
  if (std::sscanf(line->c_str(), "port=%d ctrl=%d", &server->port_, &server->control_port_) != 2) {
    return absl::InternalError("unexpected server output: " + *line);
  }
  return server;
}

NodeTestServer::~NodeTestServer() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

absl::StatusOr<nlohmann::json> NodeTestServer::Stats() const {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return absl::InternalError("curl_easy_init");
  std::string body;
  const std::string url = absl::StrCat("http://127.0.0.1:", control_port_, "/stats");
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 5000L);
  CURLcode rc = curl_easy_perform(easy);
  curl_easy_cleanup(easy);
  if (rc != CURLE_OK) return absl::UnavailableError(curl_easy_strerror(rc));
  return nlohmann::json::parse(body);
}

bool TestToolsAvailable() {
  return std::system("node --version >/dev/null 2>&1") == 0 &&
         std::system("openssl version >/dev/null 2>&1") == 0;
}

}  // namespace pushgate::testing
