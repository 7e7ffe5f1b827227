// deliver_bench: drives a running pushgate end to end (webhook in → APNs out) and measures what
// the delivery engine recorded. Three steps, run by run.sh around pushgate restarts:
//
//   deliver_bench register --grpc 127.0.0.1:50051 --api-key K --users N [--platform fcm]
//       N recipients bench-u<i>, one APNs (sandbox) registration each — or one FCM (Android)
//       registration with --platform fcm — registered over gRPC.
//   deliver_bench post --webhook http://127.0.0.1:8080/webhook --auth user:pass --users N
//                      --notifications M [--rate R] [--connections C]
//       M chat webhooks, notification i to bench-u<i % N>, each body unique (no dedupe); at R
//       per second (0: as fast as the server answers) over C keep-alive connections.
//   deliver_bench sink-files --dir www --users N
//       an empty file www/3/device/<token> per recipient, so that nghttpd answers every
//       recipient's POST with 200 (it serves the file; a missing one is 404).
//   deliver_bench report --db data/pushgate.db --notifications M [--timeout 300]
//       waits until M notifications are done, then reads the database (read-only, beside the
//       running server): outcomes, the rate at which deliveries were recorded, and the latency
//       from the webhook's arrival (received_at) to the provider accepting the push (the end of
//       the delivery's last attempt).
//
// The last line of `post` and `report` starts with RESULT and is meant for scripts.
#include <SQLiteCpp/SQLiteCpp.h>
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "pushgate_client.h"

namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> ParseFlags(int argc, char** argv, int first) {
  std::map<std::string, std::string> flags;
  for (int i = first; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    if (name.rfind("--", 0) == 0) name = name.substr(2);
    flags[name] = argv[i + 1];
  }
  return flags;
}

std::string Flag(const std::map<std::string, std::string>& f, const std::string& name,
                 const std::string& fallback = "") {
  auto it = f.find(name);
  return it == f.end() ? fallback : it->second;
}

std::string TokenFor(int user) {
  char buf[65];
  std::snprintf(buf, sizeof buf, "%064x", user + 1);
  return buf;
}

std::string UserFor(int user) { return "bench-u" + std::to_string(user); }

// ---- register -------------------------------------------------------------------------------

int Register(const std::map<std::string, std::string>& f) {
  const int users = std::stoi(Flag(f, "users", "1000"));
  const int threads = std::stoi(Flag(f, "threads", "8"));
  pushgate::client::ClientOptions options;
  options.address = Flag(f, "grpc", "127.0.0.1:50051");
  options.api_key = Flag(f, "api-key");
  const std::string app = Flag(f, "app", "app123");
  const std::string topic = Flag(f, "topic", "com.example.chat");
  const bool fcm = Flag(f, "platform", "apns") == "fcm";
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      auto client = pushgate::client::PushgateClient::Connect(options);
      for (int i = next++; i < users; i = next++) {
        pushgate::v1::RegisterTokenRequest req;
        req.set_app_id(app);
        req.set_uid(UserFor(i));
        req.set_session_id("s1");
        req.set_token(TokenFor(i));
        if (fcm) {
          req.set_platform(pushgate::v1::PLATFORM_FCM);
          req.mutable_fcm()->set_os(pushgate::v1::DEVICE_OS_ANDROID);
        } else {
          req.set_platform(pushgate::v1::PLATFORM_APNS);
          req.mutable_apns()->set_topic(topic);
          req.mutable_apns()->set_environment(pushgate::v1::APNS_ENVIRONMENT_SANDBOX);
        }
        if (!client->RegisterToken(req).ok()) ++failed;
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("RESULT registered=%d failed=%d seconds=%.2f\n", users - failed.load(), failed.load(),
              seconds);
  return failed == 0 ? 0 : 1;
}

// ---- sink-files -----------------------------------------------------------------------------

int SinkFiles(const std::map<std::string, std::string>& f) {
  const std::string dir = Flag(f, "dir", "www") + "/3/device";
  const int users = std::stoi(Flag(f, "users", "1000"));
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    std::fprintf(stderr, "cannot create %s: %s\n", dir.c_str(), error.message().c_str());
    return 2;
  }
  for (int i = 0; i < users; ++i) std::ofstream(dir + "/" + TokenFor(i));
  return 0;
}

// ---- post -----------------------------------------------------------------------------------

struct Slot {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  Clock::time_point started;
};

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

int Post(const std::map<std::string, std::string>& f) {
  const std::string url = Flag(f, "webhook", "http://127.0.0.1:8080/webhook");
  const std::string auth = Flag(f, "auth", "cometchat:secret-pass");
  const std::string app = Flag(f, "app", "app123");
  const int users = std::stoi(Flag(f, "users", "1000"));
  const int total = std::stoi(Flag(f, "notifications", "10000"));
  const double rate = std::stod(Flag(f, "rate", "0"));
  const int connections = std::stoi(Flag(f, "connections", "32"));
  const std::string fixture = Flag(f, "fixture", "tests/fixtures/cometchat/chat.json");

  std::ifstream in(fixture);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (!doc.is_object()) {
    std::fprintf(stderr, "cannot read %s\n", fixture.c_str());
    return 2;
  }
  doc["appId"] = app;
  auto body_for = [&](int i) {
    doc["data"]["to"]["uid"] = UserFor(i % users);
    doc["data"]["notificationDetails"]["body"] = "bench message " + std::to_string(i);
    doc["data"]["notificationDetails"]["tag"] = std::to_string(i);
    return doc.dump();
  };

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(connections));
  std::vector<Slot> slots(static_cast<size_t>(connections));
  std::vector<Slot*> idle;
  for (Slot& s : slots) {
    s.easy = curl_easy_init();
    s.headers = curl_slist_append(s.headers, "Content-Type: application/json");
    s.headers = curl_slist_append(s.headers, "Expect:");
    curl_easy_setopt(s.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(s.easy, CURLOPT_HTTPHEADER, s.headers);
    curl_easy_setopt(s.easy, CURLOPT_USERPWD, auth.c_str());
    curl_easy_setopt(s.easy, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(s.easy, CURLOPT_PRIVATE, &s);
    curl_easy_setopt(s.easy, CURLOPT_NOSIGNAL, 1L);
    idle.push_back(&s);
  }

  std::vector<double> latencies_ms;
  latencies_ms.reserve(static_cast<size_t>(total));
  std::map<long, int> statuses;
  int sent = 0;
  int finished = 0;
  const auto start = Clock::now();
  while (finished < total) {
    // Start what is due (the schedule is open-loop: a slow server falls behind it, and the
    // latencies show that).
    const auto now = Clock::now();
    while (sent < total && !idle.empty()) {
      if (rate > 0) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(sent / rate));
        if (due > now) break;
      }
      Slot* s = idle.back();
      idle.pop_back();
      s->body = body_for(sent);
      curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body.data());
      curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(s->body.size()));
      s->started = Clock::now();
      curl_multi_add_handle(multi, s->easy);
      ++sent;
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Slot* s = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &s);
      long status = 0;
      if (msg->data.result == CURLE_OK) {
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      }
      ++statuses[status];
      latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - s->started).count());
      curl_multi_remove_handle(multi, msg->easy_handle);
      idle.push_back(s);
      ++finished;
    }
    curl_multi_poll(multi, nullptr, 0, rate > 0 ? 1 : 50, nullptr);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (Slot& s : slots) {
    curl_easy_cleanup(s.easy);
    curl_slist_free_all(s.headers);
  }
  curl_multi_cleanup(multi);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty()
               ? 0.0
               : latencies_ms[std::min(latencies_ms.size() - 1,
                                       static_cast<size_t>(p * latencies_ms.size()))];
  };
  std::string status_text;
  for (const auto& [code, n] : statuses) {
    status_text +=
        (status_text.empty() ? "" : ",") + std::to_string(code) + ":" + std::to_string(n);
  }
  std::printf(
      "RESULT posted=%d seconds=%.2f rps=%.0f http_p50_ms=%.1f http_p99_ms=%.1f statuses=%s\n",
      total, seconds, total / seconds, pct(0.5), pct(0.99), status_text.c_str());
  return statuses[200] == total ? 0 : 1;
}

// ---- report ---------------------------------------------------------------------------------

int64_t QueryInt(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement q(db, sql);
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

int Report(const std::map<std::string, std::string>& f) {
  const std::string path = Flag(f, "db", "data/pushgate.db");
  const int64_t expected = std::stoll(Flag(f, "notifications", "0"));
  const int timeout_s = std::stoi(Flag(f, "timeout", "600"));
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  db.setBusyTimeout(5000);

  // Counting 'done' rows scans every payload (no index has the state): at 200k rows that cost
  // the machine 13 % of both cores every 200 ms, taken from the gateway being measured. Live
  // rows are in the partial index notifications_due, so the poll counts those instead; rows
  // stop arriving before the report starts (posting has finished), so the total is read once.
  const int64_t total = QueryInt(db, "SELECT count(*) FROM notifications");
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  int64_t done = 0;
  while (Clock::now() < deadline) {
    done = total - QueryInt(db, "SELECT count(*) FROM notifications WHERE state != 'done'");
    if (done >= expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (done < expected) {
    std::fprintf(stderr, "only %lld of %lld notifications done after %d s\n",
                 static_cast<long long>(done), static_cast<long long>(expected), timeout_s);
  }

  std::string outcomes;
  {
    SQLite::Statement q(db,
                        "SELECT coalesce(outcome, state), count(*) FROM notifications GROUP BY 1");
    while (q.executeStep()) {
      outcomes += (outcomes.empty() ? "" : ",") + q.getColumn(0).getString() + ":" +
                  std::to_string(q.getColumn(1).getInt64());
    }
  }
  // When each delivery was recorded, and when the provider accepted it (the end of its last
  // attempt), against when its notification arrived.
  std::vector<int64_t> recorded;
  std::vector<double> latency_ms;
  int64_t attempts = 0;
  {
    SQLite::Statement q(
        db,
        "SELECT d.updated_at, json_extract(d.attempts, '$[#-1][2]') - n.received_at, "
        "d.attempt_count FROM deliveries d JOIN notifications n "
        "ON n.id = d.notification_id WHERE d.state = 'delivered'");
    while (q.executeStep()) {
      recorded.push_back(q.getColumn(0).getInt64());
      latency_ms.push_back(static_cast<double>(q.getColumn(1).getInt64()));
      attempts += q.getColumn(2).getInt64();
    }
  }
  std::sort(recorded.begin(), recorded.end());
  std::sort(latency_ms.begin(), latency_ms.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
  };
  const size_t n = recorded.size();
  double overall = 0, sustained = 0;
  if (n > 1 && recorded.back() > recorded.front()) {
    overall =
        1000.0 * static_cast<double>(n) / static_cast<double>(recorded.back() - recorded.front());
    // The middle 80 %: leaves out the ramp-up and the tail.
    const size_t lo = n / 10, hi = n - 1 - n / 10;
    if (recorded[hi] > recorded[lo]) {
      sustained =
          1000.0 * static_cast<double>(hi - lo) / static_cast<double>(recorded[hi] - recorded[lo]);
    }
  }
  std::printf(
      "RESULT done=%lld delivered=%zu attempts=%lld outcomes=%s delivered_per_s=%.0f "
      "sustained_per_s=%.0f latency_p50_ms=%.0f latency_p90_ms=%.0f latency_p99_ms=%.0f "
      "latency_max_ms=%.0f\n",
      static_cast<long long>(done), n, static_cast<long long>(attempts), outcomes.c_str(), overall,
      sustained, pct(latency_ms, 0.5), pct(latency_ms, 0.9), pct(latency_ms, 0.99),
      latency_ms.empty() ? 0.0 : latency_ms.back());
  return done >= expected ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: deliver_bench register|post|report --flag value ...\n");
    return 2;
  }
  const std::string command = argv[1];
  const auto flags = ParseFlags(argc, argv, 2);
  if (command == "register") return Register(flags);
  if (command == "post") return Post(flags);
  if (command == "sink-files") return SinkFiles(flags);
  if (command == "report") return Report(flags);
  std::fprintf(stderr, "unknown command %s\n", command.c_str());
  return 2;
}
