#include "reliability_env.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "SQLiteCpp/SQLiteCpp.h"
#include "gtest/gtest.h"
#include "pushgate_client.h"

namespace pushgate::testing {

using nlohmann::json;

std::string DeviceToken(int n) {
  char prefix[17];
  std::snprintf(prefix, sizeof prefix, "%016x", static_cast<unsigned>(n));
  return std::string(prefix) + std::string(48, 'e');
}

void StartFake(FakeApns* fake, const std::string& dir) {
  const std::string missing = fakes::MissingTools({"node", "openssl"});
  ASSERT_TRUE(missing.empty()) << missing;
  ASSERT_TRUE(fake->Start(dir)) << "the APNs fake did not start";
}

json FastEngine() {
  return {{"initial_backoff_ms", 100},
          {"max_backoff_seconds", 1},
          {"max_attempts", 6},
          {"poll_interval_ms", 50},
          {"request_timeout_ms", 5000}};
}

json ReliabilityConfig(const std::string& data_dir, const FakeApns& fake, const json& engine,
                       const json& apns_overrides) {
  json apns = fake.AppConfig();
  apns.update(apns_overrides);
  return {
      {"data_dir", data_dir},
      {"http", {{"address", "127.0.0.1:0"}}},
      {"grpc", {{"address", "127.0.0.1:0"}, {"plaintext", true}}},
      {"engine", engine},
      {"apps",
       {{{"app_id", "app123"},
         {"webhook",
          {{"basic_auth",
            {{{"username", "cometchat"}, {"password", {{"value", "secret-pass"}}}}}}}},
         {"api_keys",
          {{{"name", "backend"}, {"key", {{"value", "test-api-key"}}}, {"role", "admin"}}}},
         {"apns", apns}},
        {{"app_id", "app456"},
         {"webhook",
          {{"basic_auth", {{{"username", "other"}, {"password", {{"value", "other-pass"}}}}}}}},
         {"api_keys",
          {{{"name", "other-backend"}, {"key", {{"value", "other-api-key"}}}, {"role", "admin"}}}},
         {"log_channel", true}}}}};
}

namespace {

void RegisterToken(const std::string& grpc_address, const std::string& uid, v1::Platform platform,
                   const std::string& token) {
  client::ClientOptions options;
  options.address = grpc_address;
  options.api_key = "test-api-key";
  auto client = client::PushgateClient::Connect(options);
  v1::RegisterTokenRequest req;
  req.set_app_id("app123");
  req.set_uid(uid);
  req.set_session_id("phone");
  req.set_platform(platform);
  req.set_token(token);
  if (platform == v1::PLATFORM_FCM) {
    req.mutable_fcm()->set_os(v1::DEVICE_OS_ANDROID);
  } else {
    req.mutable_apns()->set_topic(FakeApns::kBundle);
    req.mutable_apns()->set_environment(v1::APNS_ENVIRONMENT_SANDBOX);
  }
  auto r = client->RegisterToken(req);
  ASSERT_TRUE(r.ok()) << r.status();
}

}  // namespace

void RegisterApnsToken(const std::string& grpc_address, const std::string& uid,
                       const std::string& token) {
  RegisterToken(grpc_address, uid, v1::PLATFORM_APNS, token);
}

void RegisterFcmToken(const std::string& grpc_address, const std::string& uid,
                      const std::string& token) {
  RegisterToken(grpc_address, uid, v1::PLATFORM_FCM, token);
}

std::vector<DeliveryRow> ReadDeliveries(const std::string& db_path) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  db.setBusyTimeout(10'000);
  SQLite::Statement st(db,
                       "SELECT d.notification_id, n.state, d.state, "
                       "ifnull(d.provider_message_id, ''), ifnull(d.last_reason, ''), "
                       "d.attempt_count, ifnull(d.attempts, '[]') "
                       "FROM deliveries d JOIN notifications n ON n.id = d.notification_id "
                       "ORDER BY d.id");
  std::vector<DeliveryRow> rows;
  while (st.executeStep()) {
    DeliveryRow row;
    row.notification_id = st.getColumn(0).getInt64();
    row.notification_state = st.getColumn(1).getString();
    row.state = st.getColumn(2).getString();
    row.provider_message_id = st.getColumn(3).getString();
    row.last_reason = st.getColumn(4).getString();
    row.attempt_count = st.getColumn(5).getInt64();
    row.attempts = json::parse(st.getColumn(6).getString(), nullptr, false);
    rows.push_back(std::move(row));
  }
  return rows;
}

int64_t UnsettledNotifications(const std::string& db_path) {
  return std::stoll(QueryOne(db_path, "SELECT count(*) FROM notifications WHERE state != 'done'"));
}

std::string IntegrityCheck(const std::string& db_path) {
  return QueryOne(db_path, "PRAGMA integrity_check");
}

int64_t RetiredRegistrations(const std::string& db_path) {
  return std::stoll(QueryOne(db_path, "SELECT count(*) FROM registrations WHERE active = 0"));
}

ProcessSample SampleProcess(pid_t pid) {
  ProcessSample s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stoll(line.substr(6));
  }
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ++s.open_fds;
    }
    ::closedir(d);
  }
  return s;
}

double MetricValue(const std::string& metrics_url, const std::string& name) {
  const HttpResult r = HttpRequest("GET", metrics_url);
  if (r.status != 200) return -1;
  std::istringstream in(r.body);
  std::string line;
  double sum = -1;
  while (std::getline(in, line)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        (line[name.size()] == ' ' || line[name.size()] == '{')) {
      sum = std::max(sum, 0.0) + std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

WebhookPoster::WebhookPoster(std::vector<std::string> uids, std::chrono::milliseconds pause,
                             int64_t first_number)
    : uids_(std::move(uids)), pause_(pause), next_number_(first_number) {}

void WebhookPoster::Start(std::atomic<int>* port) {
  thread_ = std::thread([this, port] { Run(port); });
}

void WebhookPoster::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void WebhookPoster::Run(std::atomic<int>* port) {
  const Headers headers = {"Content-Type: application/json",
                           BasicAuthHeader("cometchat", "secret-pass")};
  while (!stop_) {
    const int p = port->load();
    if (p == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    const int64_t n = next_number_++;
    const std::string body =
        ChatNumbered(uids_[static_cast<size_t>(n) % uids_.size()], static_cast<int>(n));
    const HttpResult r = HttpRequest("POST", "http://127.0.0.1:" + std::to_string(p) + "/webhook",
                                     body, headers, 5'000);
    if (r.status == 200) {
      const json answer = json::parse(r.body, nullptr, false);
      const std::string id = answer.is_object() ? answer.value("id", "") : "";
      std::lock_guard<std::mutex> lock(mu_);
      ids_.push_back(std::stoll(id));
      ++acknowledged_;
    } else if (port->load() == p) {
      // Refused while the same server was meant to be up (not a kill in between).
      std::lock_guard<std::mutex> lock(mu_);
      ++refused_;
      last_refusal_ = std::to_string(r.status) + " " + r.error + r.body;
    }
    std::this_thread::sleep_for(pause_);
  }
}

std::vector<int64_t> WebhookPoster::AcknowledgedIds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ids_;
}

std::string WebhookPoster::last_refusal() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_refusal_;
}

std::map<std::string, std::vector<int64_t>> ReceivedByApnsId(const json& requests) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const json& r : requests) {
    if (!(r["status"] == 200 || r["status"].is_null())) continue;
    const json& h = r["headers"];
    if (!h.contains("apns-id") || !h["apns-id"].is_string()) continue;
    out[h["apns-id"].get<std::string>()].push_back(r["receivedAt"].get<int64_t>());
  }
  return out;
}

}  // namespace pushgate::testing
