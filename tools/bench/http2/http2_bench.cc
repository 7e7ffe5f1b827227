// Throughput of Http2Client: POSTs APNs-like requests (JWT authorization, apns-* headers, a
// ~340-byte JSON body) to a fast HTTP/2 sink and reports requests/s and CPU per request.
// A producer thread keeps up to --window requests outstanding, as the delivery engine would.
// See run.sh for the sink (nghttpd) and the exact invocation.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "providers/http2_client.h"

ABSL_FLAG(std::string, url, "",
          "target URL, e.g. https://api.sandbox.push.apple.com:8443/3/device/<token>");
ABSL_FLAG(std::string, ca, "", "CA file for the sink's certificate");
ABSL_FLAG(std::string, resolve, "",
          "comma-separated host:port:address entries (TlsSettings::resolve)");
ABSL_FLAG(int, requests, 200000, "measured requests");
ABSL_FLAG(int, warmup, 5000, "requests sent (and waited for) before measuring");
ABSL_FLAG(int, window, 0, "outstanding requests the producer keeps (0: 2 x max_in_flight)");
ABSL_FLAG(int, max_in_flight, 500, "Http2ClientOptions::max_in_flight");
ABSL_FLAG(int, connections, 4, "Http2ClientOptions::max_connections_per_pool");
ABSL_FLAG(int, body_bytes, 340, "request body size");

namespace {

using pushgate::providers::Http2Client;
using pushgate::providers::Http2ClientOptions;
using pushgate::providers::Http2Request;
using pushgate::providers::Http2Response;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

std::string ApnsLikeBody(size_t bytes) {
  std::string body =
      R"({"aps":{"alert":{"title":"New message from Alice","body":"Hey, are we still on for )"
      R"(lunch tomorrow? I found a new place near the office."},"badge":3,"sound":"default",)"
      R"("mutable-content":1,"thread-id":"conv-42"},"cometchat":{"conversationId":"group_42",)"
      R"("sender":"alice","receiver":"group_42","type":"text","id":"1234567"},"pad":")";
  while (body.size() + 3 < bytes) body.push_back('x');
  body += "\"}";
  return body;
}

// Counts completions and lets the producer sleep until the window has room again.
class Window {
 public:
  explicit Window(int size) : size_(size), low_water_(std::max(1, size / 2)) {}

  void Acquire() {
    if (outstanding_.load(std::memory_order_acquire) < size_) {
      outstanding_.fetch_add(1, std::memory_order_acq_rel);
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return outstanding_.load(std::memory_order_acquire) <= low_water_; });
    outstanding_.fetch_add(1, std::memory_order_acq_rel);
  }

  void Release() {
    // Wake the producer once per half window, not per completion.
    if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) - 1 == low_water_) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_one();
    }
  }

 private:
  const int size_;
  const int low_water_;
  std::atomic<int> outstanding_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

struct Tally {
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::map<std::string, int> outcomes;  // "200", "transport: ...", ...
  double client_cpu_at_end = 0;
};

Http2Request MakeRequest(const std::string& body, int64_t n) {
  Http2Request request;
  request.pool = "apns:bench:sandbox";
  request.tls.ca_file = absl::GetFlag(FLAGS_ca);
  if (!absl::GetFlag(FLAGS_resolve).empty()) {
    request.tls.resolve = absl::StrSplit(absl::GetFlag(FLAGS_resolve), ',');
  }
  request.url = absl::GetFlag(FLAGS_url);
  // A realistic header set: a provider JWT (ES256, ~170 bytes) and APNs' own headers.
  request.headers = {
      {"authorization",
       "bearer eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQzEyM0RFRkcifQ.eyJpc3MiOiJERUYxMjNHSElKIiwiaWF0"
       "IjoxNzAwMDAwMDAwfQ.MEUCIQDx2Yx1bH7rK0yPq3dF8uJ8lGm0tX4Zk9c7f2aL1bQ3cwIgP9s8e5k2J0"},
      {"apns-topic", "com.example.chat"},
      {"apns-push-type", "alert"},
      {"apns-priority", "10"},
      {"apns-expiration", "0"},
      {"apns-id", absl::StrCat("7c3e4f1a-0000-4000-8000-", 100000000000 + n)},
      {"content-type", "application/json"},
  };
  request.body = body;
  request.timeout = absl::Seconds(30);
  return request;
}

// Sends `count` requests through the window and waits for all of them.
void Run(Http2Client& client, Window& window, Tally& tally, const std::string& body, int64_t first,
         int count) {
  {
    std::lock_guard<std::mutex> lock(tally.mu);
    tally.done = 0;
  }
  for (int i = 0; i < count; ++i) {
    window.Acquire();
    client.Send(MakeRequest(body, first + i), [&tally, &window, count](Http2Response response) {
      window.Release();
      std::lock_guard<std::mutex> lock(tally.mu);
      ++tally.outcomes[response.status != 0 ? std::to_string(response.status)
                                            : response.transport_error];
      if (++tally.done == count) {
        tally.client_cpu_at_end = ThreadCpuSeconds();  // runs on the client thread
        tally.cv.notify_all();
      }
    });
  }
  std::unique_lock<std::mutex> lock(tally.mu);
  tally.cv.wait(lock, [&] { return tally.done == count; });
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_url).empty()) {
    std::fprintf(stderr, "--url is required (see run.sh)\n");
    return 2;
  }
  Http2ClientOptions options;
  options.max_in_flight = static_cast<size_t>(absl::GetFlag(FLAGS_max_in_flight));
  options.max_connections_per_pool = static_cast<size_t>(absl::GetFlag(FLAGS_connections));
  auto client = pushgate::providers::StartHttp2Client(options);
  if (!client.ok()) {
    std::fprintf(stderr, "StartHttp2Client: %s\n", client.status().ToString().c_str());
    return 1;
  }
  const int window_size = absl::GetFlag(FLAGS_window) > 0 ? absl::GetFlag(FLAGS_window)
                                                          : 2 * absl::GetFlag(FLAGS_max_in_flight);
  Window window(window_size);
  Tally tally;
  const std::string body = ApnsLikeBody(static_cast<size_t>(absl::GetFlag(FLAGS_body_bytes)));

  Run(**client, window, tally, body, 0, absl::GetFlag(FLAGS_warmup));
  const double client_cpu_start = tally.client_cpu_at_end;
  tally.outcomes.clear();

  const int requests = absl::GetFlag(FLAGS_requests);
  const double process_cpu_start = ProcessCpuSeconds();
  const auto wall_start = std::chrono::steady_clock::now();
  Run(**client, window, tally, body, absl::GetFlag(FLAGS_warmup), requests);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double process_cpu = ProcessCpuSeconds() - process_cpu_start;
  const double client_cpu = tally.client_cpu_at_end - client_cpu_start;
  (*client)->Shutdown();

  std::printf(
      "requests=%d body_bytes=%zu max_in_flight=%d window=%d connections=%d\n"
      "wall_s=%.3f req_per_s=%.0f\n"
      "client_thread_cpu_us_per_req=%.2f process_cpu_us_per_req=%.2f "
      "client_thread_busy=%.0f%%\n",
      requests, body.size(), absl::GetFlag(FLAGS_max_in_flight), window_size,
      absl::GetFlag(FLAGS_connections), wall, requests / wall, client_cpu * 1e6 / requests,
      process_cpu * 1e6 / requests, 100.0 * client_cpu / wall);
  int failures = 0;
  for (const auto& [outcome, count] : tally.outcomes) {
    std::printf("outcome %s: %d\n", outcome.c_str(), count);
    if (outcome != "200") failures += count;
  }
  return failures == 0 ? 0 : 1;
}
