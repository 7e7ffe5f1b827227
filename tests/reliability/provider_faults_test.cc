// Provider faults through the real binary under load, against the APNs and FCM fakes: 500, 503,
// 429 with Retry-After, timeouts, connection resets, GOAWAY, a TLS failure (wrong CA) and
// expired or invalid credentials. The load always goes to APNs; for FCM a victim user is on FCM
// while it runs. Everything ends delivered or settled with the right reason, no good token is
// retired, retries wait as long as Retry-After says, and memory stays bounded.
#include <cstdlib>
#include <ostream>
#include <set>

#include "gtest/gtest.h"
#include "reliability_env.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;

// Sanitizers multiply memory use; the bound is for a leak, not for tuning.
#ifdef PUSHGATE_SANITIZED
constexpr int64_t kRssBoundKib = 2 * 1024 * 1024;
#else
constexpr int64_t kRssBoundKib = 512 * 1024;
#endif

// Attempt log entry fields (0002_deliveries.sql).
int64_t Started(const json& a) { return a.at(1).get<int64_t>(); }
int64_t Ended(const json& a) { return a.at(2).get<int64_t>(); }
int HttpStatus(const json& a) { return a.at(3).is_number() ? a.at(3).get<int>() : 0; }
std::string Reason(const json& a) { return a.at(4).is_string() ? a.at(4).get<std::string>() : ""; }

class ProviderFaultTest : public ::testing::Test {
 public:
  static constexpr int kUsers = 8;  // user 0 is the victim of per-token faults

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartFake(&fake_, dir_.path()));
    for (int u = 0; u < kUsers; ++u) uids_.push_back("fault-user-" + std::to_string(u));
  }

  void TearDown() override {
    StopSampler();
    poster_.reset();
  }

  std::string Db() const { return DataDir() + "/pushgate.db"; }
  std::string DataDir() const { return dir_.path() + "/data"; }

  // The victim's FCM registration token when the victim is on FCM (see UseFcmVictim).
  static constexpr char kFcmVictimToken[] = "fcm-victim-token:APA91bExample";

  std::string ServiceAccountFile() const { return dir_.path() + "/service-account.json"; }

  // The victim (user 0) gets an FCM registration instead of an APNs one; the app sends to the
  // FCM fake as well. `fcm_overrides` replaces keys of the app's "fcm" block (e.g. a wrong CA).
  void UseFcmVictim(const json& fcm_overrides = json::object()) {
    ASSERT_TRUE(fcm_.Start(dir_.path())) << "the FCM fake did not start";
    WriteFile(ServiceAccountFile(), fcm_.ServiceAccountJson());
    fcm_victim_ = true;
    fcm_overrides_ = fcm_overrides;
  }

  // A self-signed CA that signed neither fake's certificate; returns its file.
  std::string UnrelatedCa() {
    const std::string ca = dir_.path() + "/other-ca.crt";
    EXPECT_TRUE(fakes::RunQuietly(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
        dir_.path() + "/other.key -out " + ca + " -days 1 -subj /CN=other-ca"));
    return ca;
  }

  // The victim's deliveries, which must all exist.
  std::vector<DeliveryRow> VictimRows(const std::map<int64_t, DeliveryRow>& rows,
                                      const std::vector<int64_t>& ids) {
    std::vector<DeliveryRow> out;
    for (int64_t id : ids) {
      auto it = rows.find(id);
      EXPECT_NE(it, rows.end()) << "victim notification " << id << " has no delivery";
      if (it != rows.end()) out.push_back(it->second);
    }
    return out;
  }

  void StartServer(const json& engine = FastEngine(), const json& apns = json::object()) {
    json config = ReliabilityConfig(DataDir(), fake_, engine, apns);
    if (fcm_victim_) {
      config["apps"][0]["fcm"] = fcm_.AppConfig(ServiceAccountFile());
      config["apps"][0]["fcm"].update(fcm_overrides_);
    }
    server_ = PushgateProcess::Start({config.dump(2), DataDir()});
    ASSERT_NE(server_, nullptr);
    for (int u = 0; u < kUsers; ++u) {
      if (u == 0 && fcm_victim_) {
        RegisterFcmToken(server_->grpc_address(), uids_[u], kFcmVictimToken);
      } else {
        RegisterApnsToken(server_->grpc_address(), uids_[u], DeviceToken(u));
      }
    }
    port_ = server_->http_port();
    sampler_ = std::thread([this] {
      while (!stop_sampler_) {
        peak_rss_kib_ = std::max(peak_rss_kib_.load(), SampleProcess(server_->pid()).rss_kib);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }

  void StopSampler() {
    stop_sampler_ = true;
    if (sampler_.joinable()) sampler_.join();
  }

  // Background load: chats to every user but the victim, from now until Settle().
  void StartLoad() {
    std::vector<std::string> others(uids_.begin() + 1, uids_.end());
    poster_ = std::make_unique<WebhookPoster>(others, std::chrono::milliseconds(5), 1'000'000);
    poster_->Start(&port_);
  }

  // Distinct chats numbered from `first` (the same number again would be a duplicate).
  std::vector<int64_t> PostToVictim(int count, int first = 0) {
    std::vector<int64_t> ids;
    for (int i = first; i < first + count; ++i) {
      const HttpResult r = PostWebhook(*server_, ChatNumbered(uids_[0], i));
      EXPECT_EQ(r.status, 200) << r.body;
      ids.push_back(std::stoll(json::parse(r.body).value("id", "0")));
    }
    return ids;
  }

  // Lets the load run a while longer, stops it and waits until everything is settled. Returns
  // the deliveries by notification id.
  std::map<int64_t, DeliveryRow> Settle() {
    // Load for a second more, and enough of it to matter however slow the build (sanitizers)
    // or the machine.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_TRUE(WaitFor([&] { return poster_->acknowledged() >= 20; }));
    poster_->Stop();
    EXPECT_EQ(poster_->refused(), 0)
        << "webhook refused during the fault: " << poster_->last_refusal();
    EXPECT_TRUE(
        WaitFor([&] { return UnsettledNotifications(Db()) == 0; }, std::chrono::seconds(120)))
        << UnsettledNotifications(Db()) << " notifications unsettled";
    StopSampler();
    std::map<int64_t, DeliveryRow> out;
    for (DeliveryRow& row : ReadDeliveries(Db())) out[row.notification_id] = std::move(row);
    EXPECT_EQ(RetiredRegistrations(Db()), 0) << "a good token was retired";
    EXPECT_LT(peak_rss_kib_.load(), kRssBoundKib);
    RecordProperty("peak_rss_kib", static_cast<int>(peak_rss_kib_.load()));
    return out;
  }

  // Every notification of the background load ended as `state`.
  void ExpectLoad(const std::map<int64_t, DeliveryRow>& rows, const std::string& state) {
    for (int64_t id : poster_->AcknowledgedIds()) {
      auto it = rows.find(id);
      ASSERT_NE(it, rows.end()) << "acknowledged " << id << " has no delivery";
      EXPECT_EQ(it->second.state, state) << id << ": " << it->second.last_reason;
    }
  }

  TempDir dir_;
  FakeApns fake_;
  FakeFcm fcm_;
  bool fcm_victim_ = false;
  json fcm_overrides_ = json::object();
  std::vector<std::string> uids_;
  std::unique_ptr<PushgateProcess> server_;
  std::atomic<int> port_{0};
  std::unique_ptr<WebhookPoster> poster_;
  std::thread sampler_;
  std::atomic<bool> stop_sampler_{false};
  std::atomic<int64_t> peak_rss_kib_{0};
};

// A per-token fault on the victim's token: which rule, how many of its requests it hits, and
// what the first attempt of an affected delivery must record.
struct TokenFault {
  std::string name;
  json rule;
  int expected_status;          // 0: a transport failure (no HTTP answer)
  std::string reason_contains;  // in the attempt's reason
  // For a dropped connection: how the fake records the requests it dropped. libcurl resends a
  // request by itself when a reused connection dies before any answer, so such a drop need not
  // reach the attempt log; the fake's record shows it happened.
  std::string fake_reason = "";
  bool fcm = false;  // the victim is on FCM (else APNs)
};

// Names the row in test listings (ctest shows GetParam()), instead of its bytes.
void PrintTo(const TokenFault& fault, std::ostream* os) {
  *os << (fault.fcm ? "FCM " : "APNs ") << fault.name;
}

class TokenFaultTest : public ProviderFaultTest,
                       public ::testing::WithParamInterface<TokenFault> {};

TEST_P(TokenFaultTest, VictimIsDeliveredAfterRetriesAndLoadIsUnharmed) {
  const TokenFault& fault = GetParam();
  json engine = FastEngine();
  engine["request_timeout_ms"] = 1000;  // the "timeout" fault delays 2.5 s
  // Below the 429 fault's Retry-After, so the wait the test sees is the provider's.
  engine["quota_backoff_seconds"] = 1;
  if (fault.fcm) ASSERT_NO_FATAL_FAILURE(UseFcmVictim());
  StartServer(engine);
  StartLoad();
  if (fault.fcm) {
    fcm_.SetToken(kFcmVictimToken, fault.rule);
  } else {
    fake_.SetToken(DeviceToken(0), fault.rule);
  }
  constexpr int kVictimPosts = 5;
  const std::vector<int64_t> victim = PostToVictim(kVictimPosts);
  const auto rows = Settle();
  ExpectLoad(rows, "delivered");

  int faulted = 0;
  std::string seen;  // every victim attempt, for the failure message
  for (int64_t id : victim) {
    auto it = rows.find(id);
    ASSERT_NE(it, rows.end()) << id;
    const DeliveryRow& d = it->second;
    EXPECT_EQ(d.state, "delivered") << fault.name << " " << id << ": " << d.last_reason;
    ASSERT_TRUE(d.attempts.is_array() && !d.attempts.empty()) << d.attempts;
    seen += d.attempts.dump() + "\n";
    EXPECT_EQ(HttpStatus(d.attempts.back()), 200) << d.attempts;
    for (size_t i = 0; i + 1 < d.attempts.size(); ++i) {
      const json& a = d.attempts[i];
      if (HttpStatus(a) != fault.expected_status) continue;
      if (Reason(a).find(fault.reason_contains) == std::string::npos) continue;
      ++faulted;
      if (fault.rule.contains("retryAfter")) {
        // The next attempt did not start before the provider allowed it.
        const int64_t wait_ms = fault.rule["retryAfter"].get<int64_t>() * 1000;
        EXPECT_GE(Started(d.attempts[i + 1]) - Ended(a), wait_ms) << d.attempts;
      }
    }
  }
  const int times = fault.rule.value("times", 0);
  if (!fault.fake_reason.empty()) {
    // The record of the fake the victim is on.
    const json requests = fault.fcm ? fcm_.Requests() : fake_.Requests();
    const std::string victim_token = fault.fcm ? kFcmVictimToken : DeviceToken(0);
    int dropped = 0;
    for (const json& r : requests) {
      const auto reason = r.find("reason");
      dropped +=
          r.value("token", "") == victim_token && reason != r.end() && *reason == fault.fake_reason;
    }
    EXPECT_EQ(dropped, times) << fault.name;
  } else if (fault.expected_status != 0) {
    // An HTTP answer hits exactly the victim's requests the rule was for, each one recorded.
    EXPECT_EQ(faulted, times) << fault.name << "\n" << seen;
  } else {
    // A timeout may take the victim's other streams on the connection along.
    EXPECT_GE(faulted, times) << fault.name << "\n" << seen;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Apns, TokenFaultTest,
    ::testing::Values(
        TokenFault{
            "InternalServerError", {{"status", 500}, {"times", 2}}, 500, "InternalServerError"},
        TokenFault{
            "ServiceUnavailable", {{"status", 503}, {"times", 2}}, 503, "ServiceUnavailable"},
        TokenFault{"TooManyRequestsWithRetryAfter",
                   {{"status", 429}, {"retryAfter", 3}, {"times", 1}},
                   429,
                   "TooManyRequests"},
        TokenFault{"Timeout", {{"delayMs", 2500}, {"times", 1}}, 0, "timeout"},
        TokenFault{
            "ConnectionReset", {{"reset", true}, {"times", 1}}, 0, "connection closed", "RESET"},
        TokenFault{"Goaway", {{"goaway", true}, {"times", 1}}, 0, "connection closed", "GOAWAY"}),
    [](const ::testing::TestParamInfo<TokenFault>& info) { return info.param.name; });

// The same faults from FCM (tests/fakes/fcm), whose reasons are FCM's error codes; the load
// keeps going to APNs meanwhile. QUOTA_EXCEEDED waits at least engine.quota_backoff_seconds,
// Google's minute by default (fcm_integration_test's
// QuotaExceededWaitsForRetryAfterAndAtLeastAMinute); here 1 s, so the wait checked is the
// Retry-After.
INSTANTIATE_TEST_SUITE_P(
    Fcm, TokenFaultTest,
    ::testing::Values(
        TokenFault{"Internal", {{"status", 500}, {"times", 2}}, 500, "INTERNAL", "", true},
        TokenFault{"Unavailable", {{"status", 503}, {"times", 2}}, 503, "UNAVAILABLE", "", true},
        TokenFault{"QuotaExceededWithRetryAfter",
                   {{"status", 429}, {"retryAfter", 3}, {"times", 1}},
                   429,
                   "QUOTA_EXCEEDED",
                   "",
                   true},
        TokenFault{"Timeout", {{"delayMs", 2500}, {"times", 1}}, 0, "timeout", "", true},
        TokenFault{"ConnectionReset",
                   {{"reset", true}, {"times", 1}},
                   0,
                   "connection closed",
                   "RESET",
                   true},
        TokenFault{
            "Goaway", {{"goaway", true}, {"times", 1}}, 0, "connection closed", "GOAWAY", true}),
    [](const ::testing::TestParamInfo<TokenFault>& info) { return info.param.name; });

// A CA that did not sign the fake's certificate: every request fails the TLS handshake. The
// deliveries settle failed after max_attempts, each attempt names TLS, and no token is retired
// (the fault is ours, not the device's).
TEST_F(ProviderFaultTest, WrongCaFailsTlsAndSettlesWithoutRetiringTokens) {
  const std::string ca = UnrelatedCa();
  json engine = FastEngine();
  engine["max_attempts"] = 3;
  StartServer(engine, {{"ca_file", ca}});
  StartLoad();
  const auto rows = Settle();
  ExpectLoad(rows, "failed");
  for (const auto& [id, d] : rows) {
    EXPECT_EQ(d.last_reason, "max_attempts") << id;
    EXPECT_EQ(d.attempt_count, 3) << id;
    for (const json& a : d.attempts) EXPECT_EQ(Reason(a).rfind("tls: ", 0), 0u) << a;
  }
  EXPECT_EQ(fake_.Control("GET", "/control/stats")["requests"], 0);
}

// The same for FCM: the CA given for Google's hosts did not sign the fake's certificate. The
// token endpoint is the first to fail the handshake, and nothing is sent without an access
// token, so every attempt names TLS behind "no FCM access token: token endpoint: ". The
// victim's deliveries fail after max_attempts, no token is retired, and the APNs load is
// delivered meanwhile.
TEST_F(ProviderFaultTest, FcmWrongCaFailsTlsAndSettlesWithoutRetiringTokens) {
  ASSERT_NO_FATAL_FAILURE(UseFcmVictim({{"ca_file", UnrelatedCa()}}));
  json engine = FastEngine();
  engine["max_attempts"] = 3;
  StartServer(engine);
  StartLoad();
  const std::vector<int64_t> victim = PostToVictim(3);
  const auto rows = Settle();
  ExpectLoad(rows, "delivered");
  for (const DeliveryRow& d : VictimRows(rows, victim)) {
    EXPECT_EQ(d.state, "failed") << d.notification_id;
    EXPECT_EQ(d.last_reason, "max_attempts") << d.notification_id;
    EXPECT_EQ(d.attempt_count, 3) << d.notification_id;
    for (const json& a : d.attempts) {
      EXPECT_EQ(HttpStatus(a), 0) << a;
      EXPECT_EQ(Reason(a).rfind("no FCM access token: token endpoint: tls: ", 0), 0u) << a;
    }
  }
  EXPECT_EQ(fcm_.Requests().size(), 0u) << "a request passed a handshake that must fail";
}

// A provider-side refusal of our credentials is our configuration's fault: alerted (metric),
// retried no sooner than a minute later regardless of max_attempts, never a reason to retire a
// token. Here max_age is 5 s, so each delivery fails as "max_age" after its one attempt.
void ExpectConfigErrorSettles(ProviderFaultTest& test, const json& apns_overrides,
                              const std::string& reason_prefix) {
  json engine = FastEngine();
  engine["max_age_seconds"] = 5;
  test.StartServer(engine, apns_overrides);
  test.StartLoad();
  EXPECT_TRUE(WaitFor([&] {
    return MetricValue(test.server_->http_url("/metrics"),
                       "pushgate_provider_config_errors_total") > 0;
  })) << "no config error counted";
  const auto rows = test.Settle();
  test.ExpectLoad(rows, "failed");
  for (const auto& [id, d] : rows) {
    ASSERT_EQ(d.attempts.size(), 1u) << id << d.attempts;
    EXPECT_EQ(d.last_reason, "max_age") << id;
    EXPECT_EQ(HttpStatus(d.attempts[0]), 403) << d.attempts;
    EXPECT_EQ(Reason(d.attempts[0]).rfind(reason_prefix, 0), 0u) << d.attempts;
  }
}

// A provider key APNs does not know: 403 InvalidProviderToken.
TEST_F(ProviderFaultTest, InvalidCredentialsAreAConfigErrorNeverATokenRetirement) {
  ASSERT_TRUE(
      fakes::RunQuietly("openssl ecparam -genkey -name prime256v1 | openssl pkcs8 -topk8 "
                        "-nocrypt -out " +
                        dir_.path() + "/Unknown.p8"));
  ExpectConfigErrorSettles(*this, {{"p8_key", {{"file", dir_.path() + "/Unknown.p8"}}}},
                           "InvalidProviderToken");
}

// APNs calls a fresh provider token expired (403 ExpiredProviderToken): a clock skewed here or
// there. Apple allows a renewal only every 20 minutes, so the provider does not mint a new
// token but reports the configuration problem.
TEST_F(ProviderFaultTest, ExpiredCredentialsAreAConfigErrorNeverATokenRetirement) {
  fake_.Control("POST", "/control/jwt", {{"maxAgeSec", -1}});
  ExpectConfigErrorSettles(*this, json::object(), "ExpiredProviderToken");
}

// FCM answers 401 UNAUTHENTICATED (no FcmError detail) once our OAuth2 access token has
// expired; protocols.md §3.5: refresh it. The provider fetches a new token from the token
// endpoint and resends within the same attempt, so every delivery ends delivered after one
// attempt; the fake's record shows the 401s, the one refresh and the resends. Neither access
// token reaches the log.
TEST_F(ProviderFaultTest, FcmExpiredAccessTokenIsRefreshedAndEverythingDelivered) {
  ASSERT_NO_FATAL_FAILURE(UseFcmVictim());
  StartServer();
  StartLoad();
  // One delivery first, so that the gateway holds an access token to expire.
  PostToVictim(1, /*first=*/1000);
  ASSERT_TRUE(WaitFor([&] { return fcm_.Control("GET", "/control/stats")["delivered"] == 1; }));
  const size_t before_expiry = fcm_.Requests().size();
  fcm_.Control("POST", "/control/expire-access-tokens");
  constexpr int kVictimPosts = 5;
  const std::vector<int64_t> victim = PostToVictim(kVictimPosts);
  const auto rows = Settle();
  ExpectLoad(rows, "delivered");
  for (const DeliveryRow& d : VictimRows(rows, victim)) {
    EXPECT_EQ(d.state, "delivered") << d.notification_id << ": " << d.last_reason;
    ASSERT_EQ(d.attempts.size(), 1u) << d.attempts;
    EXPECT_EQ(HttpStatus(d.attempts[0]), 200) << d.attempts;
  }

  const json requests = fcm_.Requests();
  std::string expired_token;  // issued before the expiry
  for (size_t i = 0; i < before_expiry; ++i) {
    if (requests[i]["kind"] == "token") expired_token = requests[i].value("issuedAccessToken", "");
  }
  ASSERT_FALSE(expired_token.empty()) << requests.dump(2);
  std::string fresh_token;
  int refused = 0, refreshes = 0, delivered = 0;
  for (size_t i = before_expiry; i < requests.size(); ++i) {
    const json& r = requests[i];
    if (r["kind"] == "token") {
      ++refreshes;
      EXPECT_EQ(r["status"], 200) << r;
      fresh_token = r.value("issuedAccessToken", "");
    } else if (r["status"] == 401) {
      ++refused;
      EXPECT_EQ(r["accessToken"], expired_token) << "a fresh token was refused";
    } else {
      ++delivered;
      EXPECT_EQ(r["status"], 200) << r;
      EXPECT_EQ(r["accessToken"], fresh_token) << "sent after the expiry without the new token";
    }
  }
  EXPECT_GE(refused, 1) << "the expired token was never used";
  EXPECT_EQ(refreshes, 1) << "one refresh serves every rejected request";
  EXPECT_EQ(delivered, kVictimPosts);
  ASSERT_FALSE(fresh_token.empty()) << requests.dump(2);
  const std::string log = server_->Log();
  EXPECT_NE(log.find("event=fcm_access_token_refresh"), std::string::npos);
  EXPECT_EQ(log.find(expired_token), std::string::npos) << "an access token reached the log";
  EXPECT_EQ(log.find(fresh_token), std::string::npos) << "an access token reached the log";
}

// The token endpoint refuses our service account: its key was deleted or revoked in the Cloud
// console (400 invalid_grant "Invalid JWT Signature."; here a key the fake never knew). Nothing
// can be sent: a configuration error, counted and retried no sooner than a minute later,
// never a token retirement. With max_age 5 s each of the victim's deliveries fails as "max_age"
// after its one attempt, while the APNs load is delivered.
TEST_F(ProviderFaultTest, FcmRevokedServiceAccountKeyIsAConfigErrorNeverATokenRetirement) {
  ASSERT_NO_FATAL_FAILURE(UseFcmVictim());
  const std::string revoked_key = dir_.path() + "/revoked-sa.pem";
  ASSERT_TRUE(fakes::RunQuietly(
      "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + revoked_key));
  json account = json::parse(fcm_.ServiceAccountJson());
  account["private_key"] = ReadFile(revoked_key);
  WriteFile(ServiceAccountFile(), account.dump(2));
  json engine = FastEngine();
  engine["max_age_seconds"] = 5;
  StartServer(engine);
  StartLoad();
  const std::vector<int64_t> victim = PostToVictim(3);
  EXPECT_TRUE(WaitFor([&] {
    return MetricValue(server_->http_url("/metrics"), "pushgate_provider_config_errors_total") > 0;
  })) << "no config error counted";
  const auto rows = Settle();
  ExpectLoad(rows, "delivered");
  for (const DeliveryRow& d : VictimRows(rows, victim)) {
    EXPECT_EQ(d.state, "failed") << d.notification_id;
    EXPECT_EQ(d.last_reason, "max_age") << d.notification_id;
    ASSERT_EQ(d.attempts.size(), 1u) << d.attempts;
    EXPECT_EQ(HttpStatus(d.attempts[0]), 0) << d.attempts;
    const std::string reason = Reason(d.attempts[0]);
    EXPECT_EQ(reason.rfind("no FCM access token: token endpoint: HTTP 400 invalid_grant", 0), 0u)
        << reason;
    EXPECT_EQ(reason.find("PRIVATE KEY"), std::string::npos) << reason;
  }
  int token_requests = 0;
  for (const json& r : fcm_.Requests()) {
    ASSERT_EQ(r["kind"], "token") << "sent without an access token: " << r;
    ++token_requests;
    EXPECT_EQ(r["errorCode"], "invalid_grant") << r;
  }
  EXPECT_GE(token_requests, 1);
  EXPECT_EQ(server_->Log().find("PRIVATE KEY"), std::string::npos);
}

}  // namespace
}  // namespace pushgate::testing
