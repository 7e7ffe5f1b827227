// Throughput of FcmProvider: builds, authorises and sends CometChat chat notifications through
// the real HTTP/2 client into a fast sink that answers every POST with a canned 200 (the FCM
// send path and the token endpoint alike), and reports pushes/s and CPU per push. Also reports
// how fast the pure request builder alone runs, to show what the provider adds.
// See run.sh for the sink (nghttpd) and the exact invocation.
#include <time.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "providers/fcm_provider.h"

ABSL_FLAG(std::string, fcm_url, "https://fcm.googleapis.com", "FCM base URL (with port)");
ABSL_FLAG(std::string, token_uri, "", "token endpoint URL (with port)");
ABSL_FLAG(std::string, ca, "", "CA file for the sink's certificate");
ABSL_FLAG(std::string, resolve, "", "comma-separated host:port:address entries (CURLOPT_RESOLVE)");
ABSL_FLAG(std::string, key_file, "", "the service account's RSA private key (PEM)");
ABSL_FLAG(std::string, project, "bench-project", "project id (the sink's path uses it)");
ABSL_FLAG(std::string, os, "android", "fcm_os of the registrations: android, ios or web");
ABSL_FLAG(int, requests, 100000, "measured pushes");
ABSL_FLAG(int, warmup, 2000, "pushes sent (and waited for) before measuring");
ABSL_FLAG(int, window, 1000, "outstanding pushes the producer keeps");
ABSL_FLAG(int, max_in_flight, 500, "Http2ClientOptions::max_in_flight");
ABSL_FLAG(int, connections, 4, "Http2ClientOptions::max_connections_per_pool");

namespace {

using namespace pushgate::providers;

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A chat payload like CometChat's, with the message object included (~1.2 KB of JSON).
NotificationContent Content() {
  NotificationContent c;
  c.type = "chat";
  c.title = "Andrew Joseph";
  c.body = "Hey, are we still on for lunch tomorrow? I found a new place near the office.";
  c.sender = "cometchat-uid-1";
  c.sender_name = "Andrew Joseph";
  c.sender_avatar = "https://assets.cometchat.io/sampleapp/v2/users/cometchat-uid-1.webp";
  c.receiver = "cometchat-uid-2";
  c.receiver_name = "George Alan";
  c.receiver_type = "user";
  c.tag = "1234567";
  c.conversation_id = "cometchat-uid-1_user_cometchat-uid-2";
  c.sent_at = "1741847453000";
  c.unread_message_count = 5;
  c.message_json = nlohmann::json{
      {"id", "1234567"},
      {"conversationId", c.conversation_id},
      {"sender", c.sender},
      {"receiver", c.receiver},
      {"category", "message"},
      {"type", "text"},
      {"data", {{"text", c.body}}},
      {"sentAt",
       1741847453}}.dump();
  return c;
}

class Semaphore {
 public:
  explicit Semaphore(int n) : n_(n) {}
  void Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return n_ > 0; });
    --n_;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    ++n_;
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_;
};

struct Tally {
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::map<std::string, int> outcomes;
};

void Run(FcmProvider& provider, const NotificationContent& content, Semaphore& window, Tally& tally,
         int first, int count) {
  {
    std::lock_guard<std::mutex> lock(tally.mu);
    tally.done = 0;
  }
  for (int i = 0; i < count; ++i) {
    SendRequest r;
    r.app_id = "bench";
    r.content = &content;
    r.registration.input.platform = pushgate::domain::Platform::kFcm;
    r.registration.input.fcm_os = absl::GetFlag(FLAGS_os);
    r.registration.input.token = absl::StrCat("bench-token-", first + i, ":APA91b");
    window.Acquire();
    provider.Send(r, [&tally, &window, count](SendResult res) {
      window.Release();
      std::lock_guard<std::mutex> lock(tally.mu);
      ++tally.outcomes[absl::StrCat(OutcomeName(res.outcome), " ", res.http_status, " ",
                                    res.reason)];
      if (++tally.done == count) tally.cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(tally.mu);
  tally.cv.wait(lock, [&] { return tally.done == count; });
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string pem = ReadFile(absl::GetFlag(FLAGS_key_file));
  if (pem.empty()) {
    std::fprintf(stderr, "--key_file is required\n");
    return 2;
  }
  nlohmann::json sa = {{"type", "service_account"},
                       {"project_id", absl::GetFlag(FLAGS_project)},
                       {"private_key_id", "bench"},
                       {"private_key", pem},
                       {"client_email", "bench@bench-project.iam.gserviceaccount.com"},
                       {"token_uri", "https://oauth2.googleapis.com/token"}};

  Http2ClientOptions copts;
  copts.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  copts.max_connections_per_pool = absl::GetFlag(FLAGS_connections);
  auto client = StartHttp2Client(copts);
  if (!client.ok()) {
    std::fprintf(stderr, "client: %s\n", std::string(client.status().message()).c_str());
    return 1;
  }
  FcmProviderOptions o;
  o.service_account_json = sa.dump();
  o.endpoints.fcm_url = absl::GetFlag(FLAGS_fcm_url);
  o.endpoints.token_uri = absl::GetFlag(FLAGS_token_uri);
  o.endpoints.tls.ca_file = absl::GetFlag(FLAGS_ca);
  if (!absl::GetFlag(FLAGS_resolve).empty()) {
    o.endpoints.tls.resolve = absl::StrSplit(absl::GetFlag(FLAGS_resolve), ',');
  }
  o.request_timeout = absl::Seconds(30);
  auto provider = FcmProvider::Create(client->get(), std::move(o));
  if (!provider.ok()) {
    std::fprintf(stderr, "provider: %s\n", std::string(provider.status().message()).c_str());
    return 1;
  }
  const NotificationContent content = Content();

  // The pure builder alone, single thread.
  {
    pushgate::domain::Registration reg;
    reg.input.platform = pushgate::domain::Platform::kFcm;
    reg.input.fcm_os = absl::GetFlag(FLAGS_os);
    reg.input.token = "bench-token:APA91b";
    const int n = 20000;
    size_t bytes = 0;
    const absl::Time start = absl::Now();
    for (int i = 0; i < n; ++i) {
      auto built = BuildFcmRequest(content, reg, "bench-project", start, FcmBuildOptions{});
      bytes += built.ok() ? built->body.size() : 0;
    }
    const double secs = absl::ToDoubleSeconds(absl::Now() - start);
    std::printf("builder: %.0f messages/s (%.2f us each, %zu-byte bodies)\n", n / secs,
                secs * 1e6 / n, bytes / n);
  }

  Semaphore window(absl::GetFlag(FLAGS_window));
  Tally tally;
  Run(**provider, content, window, tally, 0, absl::GetFlag(FLAGS_warmup));
  {
    std::lock_guard<std::mutex> lock(tally.mu);
    tally.outcomes.clear();
  }
  const int n = absl::GetFlag(FLAGS_requests);
  const double cpu0 = ProcessCpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  Run(**provider, content, window, tally, 1000000, n);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = ProcessCpuSeconds() - cpu0;
  std::printf(
      "provider: %d pushes in %.2f s = %.0f pushes/s, %.1f us CPU per push (%s, window %d, "
      "max_in_flight %d, connections %d), access-token fetches %d\n",
      n, secs, n / secs, cpu * 1e6 / n, absl::GetFlag(FLAGS_os).c_str(),
      absl::GetFlag(FLAGS_window), absl::GetFlag(FLAGS_max_in_flight),
      absl::GetFlag(FLAGS_connections), (*provider)->token_source().fetches());
  for (const auto& [k, v] : tally.outcomes) std::printf("  %8d  %s\n", v, k.c_str());
  (*client)->Shutdown();
  return 0;
}
