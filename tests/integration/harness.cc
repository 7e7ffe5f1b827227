#include "harness.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "SQLiteCpp/SQLiteCpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace pushgate::testing {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};
CurlGlobal curl_global;

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t AppendHeader(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(value.begin());
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

struct EasyRequest {
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  HttpResult result;
  std::string body;

  EasyRequest(const std::string& method, const std::string& url, std::string request_body,
              const Headers& headers, long timeout_ms)
      : body(std::move(request_body)) {
    easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method != "GET" && method != "HEAD") {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    // Without this curl adds "Expect: 100-continue" to bodies over 1 KiB and waits for it.
    header_list = curl_slist_append(header_list, "Expect:");
    for (const std::string& h : headers) header_list = curl_slist_append(header_list, h.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, AppendHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &result.headers);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  }
  ~EasyRequest() {
    curl_slist_free_all(header_list);
    curl_easy_cleanup(easy);
  }
  void Finish(CURLcode code) {
    if (code != CURLE_OK) {
      result.error = curl_easy_strerror(code);
      result.status = 0;
      return;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &result.status);
  }
};

std::string SourceDir() { return PUSHGATE_SOURCE_DIR; }

}  // namespace

TempDir::TempDir() {
  char templ[] = "/tmp/pushgate-test-XXXXXX";
  const char* made = ::mkdtemp(templ);
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string Fixture(const std::string& name) {
  return ReadFile(SourceDir() + "/tests/fixtures/cometchat/" + name + ".json");
}

std::string TestConfig(const std::string& data_dir, const std::string& extra) {
  std::string config = R"({
    "data_dir": ")" + data_dir +
                       R"(",
    "http": {"address": "127.0.0.1:0"},
    "grpc": {"address": "127.0.0.1:0", "plaintext": true},
    "apps": [
      {"app_id": "app123",
       "webhook": {"basic_auth": [{"username": "cometchat", "password": {"value": "secret-pass"}}]},
       "api_keys": [{"name": "backend", "key": {"value": "test-api-key"}, "role": "admin"}]},
      {"app_id": "app456",
       "webhook": {"basic_auth": [{"username": "other", "password": {"value": "other-pass"}}]},
       "api_keys": [{"name": "other-backend", "key": {"value": "other-api-key"}, "role": "admin"}]}
    ])";
  if (!extra.empty()) config += ",\n" + extra;
  config += "\n}\n";
  return config;
}

std::unique_ptr<PushgateProcess> PushgateProcess::Start(const Options& options) {
  std::unique_ptr<PushgateProcess> p(new PushgateProcess());
  std::vector<std::string> args = {PUSHGATE_BINARY};
  if (!options.config_json.empty()) {
    const std::string config_path = options.data_dir + ".pushgate.json";
    WriteFile(config_path, options.config_json);
    args.push_back("--config=" + config_path);
    p->config_path_ = config_path;
  } else {
    args.push_back("--data_dir=" + options.data_dir);
    args.push_back("--http_address=127.0.0.1:0");
    args.push_back("--grpc_address=127.0.0.1:0");
    args.push_back("--admin_address=127.0.0.1:0");
  }
  for (const std::string& a : options.extra_args) args.push_back(a);
  p->log_path_ = options.data_dir + ".stderr.log";

  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe failed";
    return nullptr;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    const int log_fd = ::open(p->log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) ::dup2(log_fd, STDERR_FILENO);
    for (const auto& [k, v] : options.env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  p->pid_ = pid;
  p->stdout_fd_ = out_pipe[0];
  PushgateProcess* raw = p.get();
  p->reader_ = std::thread([raw] {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(raw->stdout_fd_, buf, sizeof buf);
      if (n <= 0) break;
      std::lock_guard<std::mutex> lock(raw->mu_);
      raw->stdout_text_.append(buf, static_cast<size_t>(n));
    }
  });

  const std::regex ready(R"(pushgate listening http_port=(\d+) grpc_port=(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string out = p->Stdout();
    if (std::regex_search(out, m, ready)) {
      p->http_port_ = std::stoi(m[1]);
      p->grpc_port_ = std::stoi(m[2]);
      return p;
    }
    int status = 0;
    if (::waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->pid_ = -1;
      ADD_FAILURE() << "pushgate exited during start-up; log:\n" << p->Log();
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "pushgate did not start within 30 s; log:\n" << p->Log();
  p->Kill9();
  return nullptr;
}

void PushgateProcess::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

PushgateProcess::~PushgateProcess() {
  if (pid_ > 0) Kill9();
  if (reader_.joinable()) reader_.join();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::string PushgateProcess::http_url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + path;
}

std::string PushgateProcess::grpc_address() const {
  return "127.0.0.1:" + std::to_string(grpc_port_);
}

int PushgateProcess::Reap() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

void PushgateProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Reap();
}

int PushgateProcess::Terminate() {
  if (pid_ <= 0) return -1000;
  ::kill(pid_, SIGTERM);
  return Reap();
}

std::string PushgateProcess::Stdout() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stdout_text_;
}

std::string PushgateProcess::Log() const { return ReadFile(log_path_); }

HttpResult HttpRequest(const std::string& method, const std::string& url, const std::string& body,
                       const Headers& headers, long timeout_ms) {
  EasyRequest req(method, url, body, headers, timeout_ms);
  req.Finish(curl_easy_perform(req.easy));
  return req.result;
}

std::string BasicAuthHeader(const std::string& user, const std::string& password) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string in = user + ":" + password;
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out.push_back(kB64[(v >> s) & 63]);
  }
  if (in.size() - i == 1) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += {kB64[(v >> 18) & 63], kB64[(v >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kB64[(v >> 18) & 63], kB64[(v >> 12) & 63], kB64[(v >> 6) & 63], '='};
  }
  return "Authorization: Basic " + out;
}

HttpResult PostWebhook(const PushgateProcess& p, const std::string& body, const std::string& user,
                       const std::string& password) {
  return HttpRequest("POST", p.http_url("/webhook"), body,
                     {"Content-Type: application/json", BasicAuthHeader(user, password)});
}

std::vector<HttpResult> ConcurrentPosts(const std::string& url,
                                        const std::vector<std::string>& bodies,
                                        const Headers& headers, int connections) {
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(connections));
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(connections));
  std::vector<std::unique_ptr<EasyRequest>> requests;
  requests.reserve(bodies.size());
  for (const std::string& body : bodies) {
    requests.push_back(std::make_unique<EasyRequest>("POST", url, body, headers, 30'000));
    curl_easy_setopt(requests.back()->easy, CURLOPT_PRIVATE, requests.back().get());
    curl_multi_add_handle(multi, requests.back()->easy);
  }
  int running = 1;
  while (running > 0) {
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      EasyRequest* req = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &req);
      req->Finish(msg->data.result);
    }
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  std::vector<HttpResult> results;
  for (auto& req : requests) {
    curl_multi_remove_handle(multi, req->easy);
    results.push_back(req->result);
  }
  requests.clear();
  curl_multi_cleanup(multi);
  return results;
}

std::string ChatPayloadFor(const std::string& uid, const std::string& app_id) {
  nlohmann::json doc = nlohmann::json::parse(Fixture("chat"));
  doc["data"]["to"]["uid"] = uid;
  doc["appId"] = app_id;
  return doc.dump();
}

std::string QueryOne(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  db.setBusyTimeout(5000);
  SQLite::Statement st(db, sql);
  if (!st.executeStep()) return "";
  return st.getColumn(0).getString();
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace pushgate::testing
