// pushgate's configuration: plain structs, filled from a JSON file (see
// config/pushgate.example.json), overridden by command-line flags, with secrets resolved from
// environment variables or files. Loading is a pure function of its inputs (file text and an
// environment lookup), so it is unit-tested without touching the process environment.
#ifndef PUSHGATE_CONFIG_CONFIG_H_
#define PUSHGATE_CONFIG_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pushgate::config {

// Where a secret comes from. In JSON: {"env": "NAME"}, {"file": "/path"} or {"value": "..."}.
// Inline values exist for tests and the demo; production configs use env or file. The loader
// resolves the reference into `value`; `source` ("env:NAME", "file:/path", "inline") is what
// may be logged — never the value.
struct Secret {
  std::string value;
  std::string source;
};

struct BasicAuthCredential {
  std::string username;
  Secret password;
};

struct HmacCheck {
  std::string header;  // e.g. "X-Pushgate-Signature"; value is hex (optionally "sha256=" prefix)
  Secret secret;
};

struct WebhookAuth {
  // Any pair matches (rotation: add the new pair, switch CometChat, remove the old one).
  std::vector<BasicAuthCredential> basic_auth;
  // Only when an app's config says so explicitly; the default is to require Basic Auth.
  bool allow_unauthenticated = false;
  std::optional<HmacCheck> hmac;
};

// What a key may do on its app (least privilege: a mobile backend needs only `register`).
//   register: RegisterToken and the Unregister* RPCs
//   read:     ListTokens and the Deliveries reads (GetNotification, List*, Stats, Watch)
//   admin:    everything, RetryNotification included
enum class Role { kRegister, kRead, kAdmin };
std::string_view RoleName(Role role);

// A token bucket: `requests_per_second` refill, up to `burst` requests at once.
// requests_per_second 0 turns the limit off.
struct RateLimit {
  int requests_per_second = 500;
  int burst = 1000;
};

struct ApiKey {
  std::string name;  // shown in logs and errors instead of the key
  Secret key;        // the bearer token; "sha256:<hex>" in `value` means a hash to compare to
  // Required in a config file; code that builds a Config by hand (tests, the demo) gets admin.
  Role role = Role::kAdmin;
  std::optional<RateLimit> rate_limit;  // overrides limits.grpc for this key
};

// APNs credentials of one app (protocols.md §2). Token auth (.p8 key) is preferred; certificate
// auth is the alternative when no key is given.
struct ApnsConfig {
  std::string team_id;
  std::string key_id;
  Secret p8_key;  // PEM text of the .p8 key, usually {"file": "/etc/pushgate/AuthKey_X.p8"}
  std::string cert_file;
  std::string cert_key_file;
  std::string bundle_id;  // the topic for registrations that carry none
  // Overrides for tests and proxies; production leaves them empty (Apple's hosts, system CAs).
  std::string production_url;
  std::string sandbox_url;
  std::string ca_file;
  std::vector<std::string> resolve;  // "host:port:address", as curl --resolve
};

// A forward webhook (apps[].forward_hooks[]): every notification of the app that passes the
// filters is POSTed as JSON to `url`, delivered and retried like any other channel.
struct ForwardHook {
  std::string name;  // unique per app, [a-z0-9_-]{1,64}; the delivery's target in the status API
  std::string url;   // https (http only to a loopback host with allow_http_loopback)
  bool allow_http_loopback = false;
  std::vector<std::string> types;         // "chat", "call"; empty (the default) = all
  std::vector<std::string> call_actions;  // calls only: e.g. {"initiated"}; empty = all
  // Optional but recommended: without it the receiver cannot tell our requests from anyone's.
  std::optional<HmacCheck> hmac;
  std::string ca_file;               // empty: the system trust store
  std::vector<std::string> resolve;  // "host:port:address", as curl --resolve
  int timeout_ms = 10'000;
};

inline constexpr char kDefaultHookSignatureHeader[] = "X-Pushgate-Signature";

// FCM HTTP v1 credentials of one app (protocols.md §3).
struct FcmConfig {
  // The service-account JSON text Firebase hands out, usually {"file": "/etc/pushgate/sa.json"}.
  // Checked when the provider is built: an unusable one leaves the app's FCM deliveries waiting
  // as config errors (tokens kept) instead of stopping the whole gateway.
  Secret service_account;
  std::string android_channel_id;  // android.notification.channel_id; empty: the app's default
  std::string sound = "default";   // Android notification / iOS-through-FCM alert sound
  // Overrides for tests and proxies; production leaves them empty (Google's hosts, system CAs).
  std::string fcm_url;    // default https://fcm.googleapis.com
  std::string token_uri;  // where the JWT grant goes; default the service account's token_uri
  std::string ca_file;
  std::vector<std::string> resolve;  // "host:port:address", as curl --resolve
};

// Web Push (RFC 8030/8291/8292) for one app's browser subscriptions (protocols.md §4).
struct WebPushConfig {
  // The application server's P-256 private key (PEM), usually {"file": ...}. Browsers subscribe
  // with its public half, which the server logs at start (event=webpush_vapid_public_key):
  // changing the key invalidates every subscription.
  Secret vapid_private_key;
  std::string subject;  // the VAPID `sub`: "mailto:ops@example.com" or an https:// URL
  // Endpoints resolving to loopback / private addresses are refused unless allowed (tests and
  // push services inside the operator's network); link-local never is.
  bool allow_loopback_endpoints = false;
  bool allow_private_endpoints = false;
  // Overrides for tests and proxies: CA file for the push services, "host:port:address" pins.
  std::string ca_file;
  std::vector<std::string> resolve;
};

// What one app's pushes carry beyond what CometChat sent, per platform (all optional; empty
// keeps the provider's default). See RulesConfig.
struct PushOverrides {
  std::string apns_sound;
  std::string apns_category;  // aps.category: the app's actionable-notification category
  std::string fcm_sound;
  std::string android_channel_id;
  std::string webpush_icon;  // URL of the notification icon in the browser
};

// The kinds of notification the rules can tell apart (engine::EventKindOf decides which one a
// notification is): a chat message, a reaction to one, a group member action, a call.
inline constexpr const char* kEventKinds[] = {"chat", "reaction", "group_action", "call"};

// Per-app rules applied to every notification before any provider builds a request
// (engine/rules.h). The event kinds are those of engine::EventKindOf: "chat", "reaction",
// "group_action", "call".
struct RulesConfig {
  // Notifications of these kinds are not pushed; their deliveries settle as skipped with
  // reason "dropped_by_rule".
  std::vector<std::string> drop_kinds;
  // Privacy mode: only ids (conversationId, tag, type, call session and action) and this
  // neutral title/body reach Apple, Google or a push service.
  bool privacy = false;
  std::string privacy_title;
  std::string privacy_body;
  // Static key/values added to every push (APNs custom keys, FCM data, Web Push data); never
  // replaces a CometChat field.
  std::map<std::string, std::string> extra_data;
  // "*" applies to every kind; an entry for a kind overrides "*" field by field.
  std::map<std::string, PushOverrides> overrides;
};

struct App {
  std::string app_id;  // CometChat appId
  WebhookAuth webhook;
  std::vector<ApiKey> api_keys;
  std::optional<ApnsConfig> apns;
  std::optional<FcmConfig> fcm;
  std::optional<WebPushConfig> webpush;
  RulesConfig rules;
  // Deliver to the log instead of a provider: the demo app's channel, for trying the whole
  // flow without provider credentials.
  bool log_channel = false;
  std::vector<ForwardHook> forward_hooks;
};

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  bool enabled() const { return !cert_file.empty(); }
};

struct HttpConfig {
  std::string address = "127.0.0.1:8080";
  int threads = 1;
  std::string webhook_path = "/webhook";
  size_t max_body_bytes = 256 * 1024;
  size_t max_header_bytes = 16 * 1024;
  int read_timeout_ms = 10'000;  // whole request, from its first byte
  int idle_timeout_ms = 60'000;  // keep-alive connection with no request
  TlsFiles tls;
};

// The admin listener (the status page, server/admin/): off unless basic_auth is set. Loopback
// by default; any other address needs TLS, since the credentials travel with every request.
struct AdminConfig {
  std::string address = "127.0.0.1:8081";
  std::optional<BasicAuthCredential> basic_auth;
  TlsFiles tls;
  bool enabled() const { return basic_auth.has_value(); }
};

struct GrpcTls {
  std::string cert_file;
  std::string key_file;
  // CA bundle that signs client certificates; with require_client_cert, a client without a
  // certificate signed by it cannot connect (mTLS).
  std::string client_ca_file;
  bool require_client_cert = false;
  // The files are re-read this often, so a renewed certificate is served without a restart.
  int refresh_seconds = 60;
  bool enabled() const { return !cert_file.empty(); }
};

struct GrpcConfig {
  std::string address = "127.0.0.1:50051";
  int max_message_bytes = 4 * 1024 * 1024;
  GrpcTls tls;
  // Serve gRPC without TLS. Must be said explicitly for a non-loopback address; a loopback
  // listener without TLS is allowed (with a warning) for local tools and the demo.
  bool plaintext = false;
};

// Repeated failed Basic Auth from one source address: first slowed, then refused (429).
struct WebhookAuthLimits {
  int failure_window_seconds = 300;  // failures older than this are forgotten
  int slow_after_failures = 5;       // from this failure on, 401 answers are delayed...
  int slow_delay_ms = 1000;          // ...by this much
  int lockout_after_failures = 20;   // this many in the window locks the source out
  int lockout_seconds = 900;         // 429 + Retry-After for every request meanwhile
  int max_tracked_sources = 10'000;  // memory bound; the stalest entries make room
};

struct LimitsConfig {
  RateLimit grpc;  // per API key, unless the key sets its own rate_limit
  WebhookAuthLimits webhook_auth;
};

struct StoreConfig {
  // "full" (default: a 200 survives power loss) or "normal" (survives a process crash only).
  std::string synchronous = "full";
  size_t write_queue_capacity = 20'000;  // jobs; past it the webhook answers 503
  size_t max_batch = 1024;               // jobs per transaction
  int64_t dedupe_window_seconds = 24 * 3600;
  int64_t max_db_bytes = 0;  // 0 = unlimited; a cap answers 503 when reached
  int read_connections = 4;
  int64_t cache_size_kib = 16'384;  // the writer's; see store/sqlite_connection.h
};

// The delivery engine (engine/): leases, retries and limits.
struct EngineConfig {
  bool enabled = true;
  // A claimed notification is someone's for this long; after a crash the work is claimed again.
  int lease_seconds = 60;
  int max_attempts = 5;           // per delivery, then failed
  int initial_backoff_ms = 1000;  // doubled per attempt, with jitter
  int max_backoff_seconds = 900;
  // Least wait after a quota answer (429 TooManyRequests, FCM QUOTA_EXCEEDED) even when the
  // provider's Retry-After is shorter: hammering a throttled sender only prolongs the throttle.
  int quota_backoff_seconds = 60;
  int max_age_seconds = 3600;    // a delivery older than this fails instead of retrying
  int call_expiry_seconds = 30;  // an incoming call not sent by then expires
  int claim_batch = 256;         // notifications per claim transaction
  // Deliveries being sent at once: bounds the engine's memory and the streams open at the
  // providers (BENCHMARKS.md has the drain measured at several values).
  int max_in_flight = 256;
  int poll_interval_ms = 200;       // how often to look for due work when idle
  int request_timeout_ms = 10'000;  // per provider request
};

// Background deletion of old rows (engine/retention.h): small batches, so ingest never waits.
struct RetentionConfig {
  int notifications_days = 7;            // notifications (with their deliveries) older go
  int inactive_registrations_days = 30;  // registrations inactive for longer go
  int interval_seconds = 300;            // between sweeps
  int batch_rows = 500;                  // rows per writer job
  int pause_ms = 50;                     // between batches of one sweep
};

struct RegistryConfig {
  int max_registrations_per_user = 100;
};

struct Config {
  std::string data_dir = "./data";
  std::string log_level = "info";
  HttpConfig http;
  GrpcConfig grpc;
  AdminConfig admin;
  StoreConfig store;
  RegistryConfig registry;
  EngineConfig engine;
  RetentionConfig retention;
  LimitsConfig limits;
  std::vector<App> apps;
  // True when no --config was given and the embedded demo defaults are in use.
  bool demo = false;

  const App* FindApp(std::string_view app_id) const;
  std::string DatabasePath() const { return data_dir + "/pushgate.db"; }
};

// Looks up an environment variable; std::nullopt when unset. Injected for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

// Parses a config file's text. Every error names the JSON path of the offending key, e.g.
// `apps[0].webhook.basic_auth[1].password: environment variable PG_PASS is not set`.
absl::StatusOr<Config> ParseConfig(std::string_view json_text, const EnvLookup& env);
absl::StatusOr<Config> LoadConfigFile(const std::string& path, const EnvLookup& env);

// Checks cross-field rules (unique app ids, addresses parse, ...). ParseConfig calls it; flags
// that override fields call it again.
absl::Status ValidateConfig(const Config& config);

// True for addresses only this machine can reach: 127.0.0.0/8, ::1 and localhost.
bool IsLoopbackAddress(std::string_view host_port);

}  // namespace pushgate::config

#endif  // PUSHGATE_CONFIG_CONFIG_H_
