// Fires a burst of webhook POSTs over a fixed number of keep-alive connections (libcurl multi)
// and reports how long the whole burst took, plus per-request latency percentiles. Each request
// carries a different data.to.uid, so the store's dedupe never short-circuits it.
//
//   webhook_burst --url http://127.0.0.1:18080/webhook --body-file chat.min.json
//                 --authorization "Basic ..." [--requests 1000] [--connections 64]
//
// The body file must contain "uid":"cometchat-uid-2" (the chat fixture, compacted); that value
// is replaced per request.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Slot {
  CURL* easy = nullptr;
  std::string body;
  curl_slist* headers = nullptr;
  Clock::time_point started;
};

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

int Usage() {
  std::fprintf(stderr,
               "usage: webhook_burst --url URL --body-file FILE --authorization VALUE "
               "[--requests N] [--connections K]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, body_file, authorization;
  int requests = 1000;
  int connections = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--url") {
      url = value;
    } else if (flag == "--body-file") {
      body_file = value;
    } else if (flag == "--authorization") {
      authorization = value;
    } else if (flag == "--requests") {
      requests = std::stoi(value);
    } else if (flag == "--connections") {
      connections = std::stoi(value);
    } else {
      return Usage();
    }
  }
  if (url.empty() || body_file.empty() || requests <= 0 || connections <= 0) return Usage();

  std::ifstream in(body_file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string body = text.str();
  const std::string marker = "\"uid\":\"cometchat-uid-2\"";
  const size_t at = body.find(marker);
  if (at == std::string::npos) {
    std::fprintf(stderr, "webhook_burst: %s has no %s\n", body_file.c_str(), marker.c_str());
    return 2;
  }
  const std::string prefix = body.substr(0, at) + "\"uid\":\"";
  const std::string suffix = "\"" + body.substr(at + marker.size());
  const std::string run_id =
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(connections));
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(connections));
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(connections));

  std::vector<Slot> slots(static_cast<size_t>(std::min(connections, requests)));
  int sent = 0;
  auto launch = [&](Slot& slot) {
    slot.body = prefix + "burst-" + run_id + "-" + std::to_string(sent++) + suffix;
    curl_easy_setopt(slot.easy, CURLOPT_POSTFIELDS, slot.body.c_str());
    curl_easy_setopt(slot.easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(slot.body.size()));
    slot.started = Clock::now();
    curl_multi_add_handle(multi, slot.easy);
  };
  for (Slot& slot : slots) {
    slot.easy = curl_easy_init();
    slot.headers = curl_slist_append(nullptr, "Content-Type: application/json");
    slot.headers = curl_slist_append(slot.headers, ("Authorization: " + authorization).c_str());
    slot.headers = curl_slist_append(slot.headers, "Expect:");
    curl_easy_setopt(slot.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(slot.easy, CURLOPT_HTTPHEADER, slot.headers);
    curl_easy_setopt(slot.easy, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(slot.easy, CURLOPT_PRIVATE, &slot);
    curl_easy_setopt(slot.easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(slot.easy, CURLOPT_TIMEOUT_MS, 30000L);
  }

  std::map<long, int> statuses;
  int failures = 0;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(static_cast<size_t>(requests));
  const Clock::time_point start = Clock::now();
  for (Slot& slot : slots) launch(slot);
  int running = 0;
  int done = 0;
  while (done < requests) {
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Slot* slot = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot);
      latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - slot->started).count());
      if (msg->data.result == CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        ++statuses[code];
      } else {
        ++failures;
      }
      ++done;
      curl_multi_remove_handle(multi, msg->easy_handle);
      if (sent < requests) launch(*slot);
    }
    if (done < requests) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  const double elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto percentile = [&](double p) {
    const size_t i =
        std::min(latencies_ms.size() - 1,
                 static_cast<size_t>(p / 100.0 * static_cast<double>(latencies_ms.size())));
    return latencies_ms[i];
  };
  std::printf("burst: %d POSTs over %zu connections in %.1f ms (%.0f req/s)\n", requests,
              slots.size(), elapsed_ms, requests / (elapsed_ms / 1000.0));
  std::printf("burst: latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n", percentile(50),
              percentile(90), percentile(99), latencies_ms.back());
  std::printf("burst: statuses");
  for (const auto& [code, n] : statuses) std::printf(" %ld=%d", code, n);
  std::printf(" transport_errors=%d\n", failures);

  for (Slot& slot : slots) {
    curl_easy_cleanup(slot.easy);
    curl_slist_free_all(slot.headers);
  }
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  const bool all_ok = failures == 0 && statuses.size() == 1 && statuses.count(200) == 1;
  return all_ok ? 0 : 1;
}
