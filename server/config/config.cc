#include "config/config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "nlohmann/json.hpp"

namespace pushgate::config {
namespace {

using nlohmann::json;

// Reads one JSON object field by field, remembering the path for error messages and which
// keys were consumed, so that a misspelt key is reported instead of silently ignored.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  std::string PathOf(std::string_view key) const {
    return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", std::string(key));
  }

  const json* Find(std::string_view key) {
    seen_.insert(std::string(key));
    auto it = object_.find(std::string(key));
    return it == object_.end() ? nullptr : &*it;
  }

  absl::Status String(std::string_view key, std::string* out) {
    const json* v = Find(key);
    if (v == nullptr) return absl::OkStatus();
    if (!v->is_string()) return Error(key, "must be a string");
    *out = v->get<std::string>();
    return absl::OkStatus();
  }

  absl::Status Bool(std::string_view key, bool* out) {
    const json* v = Find(key);
    if (v == nullptr) return absl::OkStatus();
    if (!v->is_boolean()) return Error(key, "must be true or false");
    *out = v->get<bool>();
    return absl::OkStatus();
  }

  template <typename Int>
  absl::Status Integer(std::string_view key, Int* out, int64_t min, int64_t max) {
    const json* v = Find(key);
    if (v == nullptr) return absl::OkStatus();
    if (!v->is_number_integer()) return Error(key, "must be an integer");
    const int64_t value = v->get<int64_t>();
    if (value < min || value > max) {
      return Error(key, absl::StrCat("must be between ", min, " and ", max));
    }
    *out = static_cast<Int>(value);
    return absl::OkStatus();
  }

  absl::Status StringList(std::string_view key, std::vector<std::string>* out) {
    const json* v = Find(key);
    if (v == nullptr) return absl::OkStatus();
    if (!v->is_array()) return Error(key, "must be an array of strings");
    for (const json& entry : *v) {
      if (!entry.is_string()) return Error(key, "must be an array of strings");
      out->push_back(entry.get<std::string>());
    }
    return absl::OkStatus();
  }

  absl::Status Error(std::string_view key, std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(PathOf(key), ": ", std::string(what)));
  }

  // Every key not read is an error: typos must not pass silently.
  absl::Status RejectUnknown() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (seen_.count(it.key()) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(PathOf(it.key()), ": unknown key"));
      }
    }
    return absl::OkStatus();
  }

 private:
  const json& object_;
  std::string path_;
  std::set<std::string> seen_;
};

#define PG_RETURN_IF_ERROR(expr) \
  do {                           \
    absl::Status _st = (expr);   \
    if (!_st.ok()) return _st;   \
  } while (0)

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read file ", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// {"env": "NAME"} | {"file": "/path"} | {"value": "..."}.
absl::Status ParseSecret(const json& v, const std::string& path, const EnvLookup& env,
                         Secret* out) {
  if (!v.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": must be an object {\"env\": NAME} or {\"file\": PATH} or {\"value\": TEXT}"));
  }
  ObjectReader r(v, path);
  std::string env_name, file, value;
  PG_RETURN_IF_ERROR(r.String("env", &env_name));
  PG_RETURN_IF_ERROR(r.String("file", &file));
  PG_RETURN_IF_ERROR(r.String("value", &value));
  PG_RETURN_IF_ERROR(r.RejectUnknown());
  const int sources = !env_name.empty() + !file.empty() + !value.empty();
  if (sources != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": give exactly one of \"env\", \"file\" or \"value\""));
  }
  if (!env_name.empty()) {
    std::optional<std::string> got = env(env_name);
    if (!got.has_value() || got->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": environment variable ", env_name, " is not set"));
    }
    out->value = *got;
    out->source = absl::StrCat("env:", env_name);
  } else if (!file.empty()) {
    absl::StatusOr<std::string> got = ReadWholeFile(file);
    if (!got.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read secret file ", file));
    }
    // Files written by editors and `echo` end in a newline that is not part of the secret.
    while (!got->empty() && (got->back() == '\n' || got->back() == '\r')) got->pop_back();
    if (got->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": secret file ", file, " is empty"));
    }
    out->value = *std::move(got);
    out->source = absl::StrCat("file:", file);
  } else {
    out->value = value;
    out->source = "inline";
  }
  return absl::OkStatus();
}

// {"header": NAME, "secret": SECRET}; an empty `default_header` makes the header required.
absl::Status ParseHmac(const json& v, const std::string& path, const EnvLookup& env,
                       const std::string& default_header, HmacCheck* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  out->header = default_header;
  PG_RETURN_IF_ERROR(r.String("header", &out->header));
  if (out->header.empty()) return r.Error("header", "is required");
  const json* secret = r.Find("secret");
  if (secret == nullptr) return r.Error("secret", "is required");
  PG_RETURN_IF_ERROR(ParseSecret(*secret, r.PathOf("secret"), env, &out->secret));
  return r.RejectUnknown();
}

absl::Status ParseWebhookAuth(const json& v, const std::string& path, const EnvLookup& env,
                              WebhookAuth* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  PG_RETURN_IF_ERROR(r.Bool("allow_unauthenticated", &out->allow_unauthenticated));
  if (const json* list = r.Find("basic_auth")) {
    if (!list->is_array()) return r.Error("basic_auth", "must be an array");
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string item_path = absl::StrCat(r.PathOf("basic_auth"), "[", i, "]");
      const json& item = (*list)[i];
      if (!item.is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(item_path, ": must be an object"));
      }
      ObjectReader ir(item, item_path);
      BasicAuthCredential cred;
      PG_RETURN_IF_ERROR(ir.String("username", &cred.username));
      if (cred.username.empty() || cred.username.find(':') != std::string::npos) {
        return ir.Error("username", "must be a non-empty string without ':'");
      }
      const json* password = ir.Find("password");
      if (password == nullptr) return ir.Error("password", "is required");
      PG_RETURN_IF_ERROR(ParseSecret(*password, ir.PathOf("password"), env, &cred.password));
      PG_RETURN_IF_ERROR(ir.RejectUnknown());
      out->basic_auth.push_back(std::move(cred));
    }
  }
  if (const json* hmac = r.Find("hmac")) {
    out->hmac.emplace();
    PG_RETURN_IF_ERROR(ParseHmac(*hmac, r.PathOf("hmac"), env, /*default_header=*/"", &*out->hmac));
  }
  PG_RETURN_IF_ERROR(r.RejectUnknown());
  if (out->basic_auth.empty() && !out->allow_unauthenticated) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ".basic_auth: at least one credential is required unless allow_unauthenticated "
        "is true"));
  }
  return absl::OkStatus();
}

// "resolve": ["host:port:address", ...], as curl --resolve: points a provider's real host name
// at a test fake or a proxy without changing its URL.
absl::Status ParseResolve(ObjectReader& r, std::vector<std::string>* out) {
  PG_RETURN_IF_ERROR(r.StringList("resolve", out));
  for (size_t i = 0; i < out->size(); ++i) {
    const std::string& entry = (*out)[i];
    if (std::count(entry.begin(), entry.end(), ':') < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(r.PathOf("resolve"), "[", i, "]: \"", entry, "\" is not host:port:address"));
    }
  }
  return absl::OkStatus();
}

// An optional URL override must be https: provider credentials never travel in clear text.
absl::Status HttpsUrl(ObjectReader& r, std::string_view key, std::string* out) {
  PG_RETURN_IF_ERROR(r.String(key, out));
  if (!out->empty() && out->rfind("https://", 0) != 0)
    return r.Error(key, "must be an https:// URL");
  return absl::OkStatus();
}

absl::Status ParseFcm(const json& v, const std::string& path, const EnvLookup& env,
                      FcmConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  const json* account = r.Find("service_account");
  if (account == nullptr) {
    return r.Error(
        "service_account",
        "is required (the service-account JSON, e.g. {\"file\": \"/etc/pushgate/sa.json\"})");
  }
  PG_RETURN_IF_ERROR(
      ParseSecret(*account, r.PathOf("service_account"), env, &out->service_account));
  PG_RETURN_IF_ERROR(r.String("android_channel_id", &out->android_channel_id));
  PG_RETURN_IF_ERROR(r.String("sound", &out->sound));
  PG_RETURN_IF_ERROR(HttpsUrl(r, "fcm_url", &out->fcm_url));
  PG_RETURN_IF_ERROR(HttpsUrl(r, "token_uri", &out->token_uri));
  PG_RETURN_IF_ERROR(r.String("ca_file", &out->ca_file));
  PG_RETURN_IF_ERROR(ParseResolve(r, &out->resolve));
  return r.RejectUnknown();
}

absl::Status ParseWebPush(const json& v, const std::string& path, const EnvLookup& env,
                          WebPushConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  const json* key = r.Find("vapid_private_key");
  if (key == nullptr) {
    return r.Error("vapid_private_key", "is required (a P-256 private key in PEM)");
  }
  PG_RETURN_IF_ERROR(
      ParseSecret(*key, r.PathOf("vapid_private_key"), env, &out->vapid_private_key));
  PG_RETURN_IF_ERROR(r.String("subject", &out->subject));
  if (out->subject.rfind("mailto:", 0) != 0 && out->subject.rfind("https://", 0) != 0) {
    return r.Error("subject",
                   "is required: a contact for the push services, \"mailto:...\" or "
                   "\"https://...\"");
  }
  PG_RETURN_IF_ERROR(r.Bool("allow_loopback_endpoints", &out->allow_loopback_endpoints));
  PG_RETURN_IF_ERROR(r.Bool("allow_private_endpoints", &out->allow_private_endpoints));
  PG_RETURN_IF_ERROR(r.String("ca_file", &out->ca_file));
  PG_RETURN_IF_ERROR(ParseResolve(r, &out->resolve));
  return r.RejectUnknown();
}

bool IsEventKind(std::string_view kind) {
  for (const char* k : kEventKinds) {
    if (kind == k) return true;
  }
  return false;
}

absl::Status ParseOverrides(const json& v, const std::string& path, PushOverrides* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  if (const json* apns = r.Find("apns")) {
    if (!apns->is_object()) return r.Error("apns", "must be an object");
    ObjectReader ar(*apns, r.PathOf("apns"));
    PG_RETURN_IF_ERROR(ar.String("sound", &out->apns_sound));
    PG_RETURN_IF_ERROR(ar.String("category", &out->apns_category));
    PG_RETURN_IF_ERROR(ar.RejectUnknown());
  }
  if (const json* fcm = r.Find("fcm")) {
    if (!fcm->is_object()) return r.Error("fcm", "must be an object");
    ObjectReader fr(*fcm, r.PathOf("fcm"));
    PG_RETURN_IF_ERROR(fr.String("sound", &out->fcm_sound));
    PG_RETURN_IF_ERROR(fr.String("android_channel_id", &out->android_channel_id));
    PG_RETURN_IF_ERROR(fr.RejectUnknown());
  }
  if (const json* webpush = r.Find("webpush")) {
    if (!webpush->is_object()) return r.Error("webpush", "must be an object");
    ObjectReader wr(*webpush, r.PathOf("webpush"));
    PG_RETURN_IF_ERROR(wr.String("icon", &out->webpush_icon));
    PG_RETURN_IF_ERROR(wr.RejectUnknown());
  }
  return r.RejectUnknown();
}

// CometChat's own field names: extra data must never shadow them (nor FCM's reserved keys, nor
// APNs' aps dictionary), or a client could no longer trust what it reads.
bool IsProtectedDataKey(std::string_view key) {
  static constexpr const char* kProtected[] = {"type",
                                               "title",
                                               "body",
                                               "sender",
                                               "senderName",
                                               "senderAvatar",
                                               "receiver",
                                               "receiverName",
                                               "receiverAvatar",
                                               "receiverType",
                                               "tag",
                                               "conversationId",
                                               "sentAt",
                                               "unreadMessageCount",
                                               "callAction",
                                               "sessionId",
                                               "callType",
                                               "message",
                                               "custom",
                                               "aps",
                                               "from",
                                               "gcm",
                                               "notification_id"};
  for (const char* p : kProtected) {
    if (key == p) return true;
  }
  return key.rfind("google", 0) == 0;
}

absl::Status ParseRules(const json& v, const std::string& path, RulesConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  if (const json* drop = r.Find("drop_kinds")) {
    if (!drop->is_array()) return r.Error("drop_kinds", "must be an array of event kinds");
    for (size_t i = 0; i < drop->size(); ++i) {
      const json& kind = (*drop)[i];
      if (!kind.is_string() || !IsEventKind(kind.get<std::string>())) {
        return absl::InvalidArgumentError(absl::StrCat(r.PathOf("drop_kinds"), "[", i,
                                                       "]: must be one of ",
                                                       absl::StrJoin(kEventKinds, ", ")));
      }
      out->drop_kinds.push_back(kind.get<std::string>());
    }
  }
  if (const json* privacy = r.Find("privacy")) {
    const std::string ppath = r.PathOf("privacy");
    if (!privacy->is_object()) return r.Error("privacy", "must be an object {\"title\", \"body\"}");
    ObjectReader pr(*privacy, ppath);
    PG_RETURN_IF_ERROR(pr.String("title", &out->privacy_title));
    PG_RETURN_IF_ERROR(pr.String("body", &out->privacy_body));
    PG_RETURN_IF_ERROR(pr.RejectUnknown());
    if (out->privacy_title.empty()) return pr.Error("title", "is required (the neutral title)");
    out->privacy = true;
  }
  if (const json* extra = r.Find("extra_data")) {
    if (!extra->is_object()) return r.Error("extra_data", "must be an object of strings");
    for (auto it = extra->begin(); it != extra->end(); ++it) {
      const std::string key_path = absl::StrCat(r.PathOf("extra_data"), ".", it.key());
      if (it.key().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(r.PathOf("extra_data"), ": empty key"));
      }
      if (IsProtectedDataKey(it.key())) {
        return absl::InvalidArgumentError(
            absl::StrCat(key_path, ": reserved (a CometChat field or a provider's reserved key)"));
      }
      if (!it.value().is_string()) {
        return absl::InvalidArgumentError(
            absl::StrCat(key_path, ": must be a string (FCM data carries strings only)"));
      }
      out->extra_data[it.key()] = it.value().get<std::string>();
    }
  }
  if (const json* overrides = r.Find("overrides")) {
    if (!overrides->is_object()) return r.Error("overrides", "must be an object keyed by kind");
    for (auto it = overrides->begin(); it != overrides->end(); ++it) {
      const std::string key_path = absl::StrCat(r.PathOf("overrides"), ".", it.key());
      if (it.key() != "*" && !IsEventKind(it.key())) {
        return absl::InvalidArgumentError(absl::StrCat(key_path,
                                                       ": unknown kind (use \"*\" or one of ",
                                                       absl::StrJoin(kEventKinds, ", "), ")"));
      }
      PG_RETURN_IF_ERROR(ParseOverrides(it.value(), key_path, &out->overrides[it.key()]));
    }
  }
  return r.RejectUnknown();
}

absl::Status ParseApns(const json& v, const std::string& path, const EnvLookup& env,
                       ApnsConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  PG_RETURN_IF_ERROR(r.String("team_id", &out->team_id));
  PG_RETURN_IF_ERROR(r.String("key_id", &out->key_id));
  if (const json* key = r.Find("p8_key")) {
    PG_RETURN_IF_ERROR(ParseSecret(*key, r.PathOf("p8_key"), env, &out->p8_key));
  }
  PG_RETURN_IF_ERROR(r.String("cert_file", &out->cert_file));
  PG_RETURN_IF_ERROR(r.String("cert_key_file", &out->cert_key_file));
  PG_RETURN_IF_ERROR(r.String("bundle_id", &out->bundle_id));
  PG_RETURN_IF_ERROR(r.String("production_url", &out->production_url));
  PG_RETURN_IF_ERROR(r.String("sandbox_url", &out->sandbox_url));
  PG_RETURN_IF_ERROR(r.String("ca_file", &out->ca_file));
  PG_RETURN_IF_ERROR(ParseResolve(r, &out->resolve));
  PG_RETURN_IF_ERROR(r.RejectUnknown());
  const bool token_auth = !out->p8_key.value.empty();
  if (token_auth && (out->team_id.size() != 10 || out->key_id.size() != 10)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": token auth needs team_id and key_id (10 characters each)"));
  }
  if (!token_auth && out->cert_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": give p8_key (token auth) or cert_file (certificate auth)"));
  }
  if (out->bundle_id.empty()) return r.Error("bundle_id", "is required");
  return absl::OkStatus();
}

bool ValidHookName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// "https://host[:port]/path". Plain http only to a loopback host and only when asked for:
// notifications carry message text, and the signature does not hide it.
absl::Status CheckHookUrl(const std::string& url, bool allow_http_loopback) {
  std::string rest;
  bool http = false;
  if (absl::StartsWith(url, "https://")) {
    rest = url.substr(8);
  } else if (absl::StartsWith(url, "http://")) {
    rest = url.substr(7);
    http = true;
  } else {
    return absl::InvalidArgumentError("must start with https://");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return absl::InvalidArgumentError("must not contain spaces or control characters");
    }
  }
  const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos) {
    return absl::InvalidArgumentError("must not carry credentials (use hmac instead)");
  }
  std::string host = authority;
  if (!host.empty() && host[0] == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return absl::InvalidArgumentError("has no host");
  if (http) {
    const bool loopback = host == "localhost" || host == "[::1]" || absl::StartsWith(host, "127.");
    if (!loopback || !allow_http_loopback) {
      return absl::InvalidArgumentError(
          "must be https (http only to a loopback host with allow_http_loopback)");
    }
  }
  return absl::OkStatus();
}

absl::Status ParseForwardHook(const json& v, const std::string& path, const EnvLookup& env,
                              ForwardHook* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  PG_RETURN_IF_ERROR(r.String("name", &out->name));
  if (out->name.empty()) return r.Error("name", "is required");
  if (!ValidHookName(out->name)) {
    return r.Error("name", "must be 1 to 64 characters of a-z, 0-9, '_' and '-'");
  }
  PG_RETURN_IF_ERROR(r.String("url", &out->url));
  PG_RETURN_IF_ERROR(r.Bool("allow_http_loopback", &out->allow_http_loopback));
  if (out->url.empty()) return r.Error("url", "is required");
  if (absl::Status s = CheckHookUrl(out->url, out->allow_http_loopback); !s.ok()) {
    return r.Error("url", std::string(s.message()));
  }
  PG_RETURN_IF_ERROR(r.StringList("types", &out->types));
  for (const std::string& type : out->types) {
    if (type != "chat" && type != "call") {
      return r.Error("types", absl::StrCat("\"", type, "\" is not \"chat\" or \"call\""));
    }
  }
  PG_RETURN_IF_ERROR(r.StringList("call_actions", &out->call_actions));
  for (const std::string& action : out->call_actions) {
    if (action.empty()) return r.Error("call_actions", "must not contain an empty string");
  }
  if (!out->call_actions.empty() && !out->types.empty() &&
      std::find(out->types.begin(), out->types.end(), "call") == out->types.end()) {
    return r.Error("call_actions", "filters calls, but types does not include \"call\"");
  }
  if (const json* hmac = r.Find("hmac")) {
    out->hmac.emplace();
    PG_RETURN_IF_ERROR(
        ParseHmac(*hmac, r.PathOf("hmac"), env, kDefaultHookSignatureHeader, &*out->hmac));
  }
  PG_RETURN_IF_ERROR(r.String("ca_file", &out->ca_file));
  PG_RETURN_IF_ERROR(ParseResolve(r, &out->resolve));
  PG_RETURN_IF_ERROR(r.Integer("timeout_ms", &out->timeout_ms, 100, 120'000));
  return r.RejectUnknown();
}

bool ParseRole(std::string_view name, Role* out) {
  for (Role role : {Role::kRegister, Role::kRead, Role::kAdmin}) {
    if (RoleName(role) == name) {
      *out = role;
      return true;
    }
  }
  return false;
}

absl::Status ParseRateLimit(const json& v, const std::string& path, RateLimit* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  PG_RETURN_IF_ERROR(r.Integer("requests_per_second", &out->requests_per_second, 0, 1'000'000));
  PG_RETURN_IF_ERROR(r.Integer("burst", &out->burst, 1, 10'000'000));
  return r.RejectUnknown();
}

absl::Status ParseLimits(const json& v, LimitsConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError("limits: must be an object");
  ObjectReader r(v, "limits");
  if (const json* grpc = r.Find("grpc")) {
    PG_RETURN_IF_ERROR(ParseRateLimit(*grpc, r.PathOf("grpc"), &out->grpc));
  }
  if (const json* auth = r.Find("webhook_auth")) {
    if (!auth->is_object()) return r.Error("webhook_auth", "must be an object");
    ObjectReader ar(*auth, r.PathOf("webhook_auth"));
    WebhookAuthLimits& w = out->webhook_auth;
    PG_RETURN_IF_ERROR(ar.Integer("failure_window_seconds", &w.failure_window_seconds, 1, 86'400));
    PG_RETURN_IF_ERROR(ar.Integer("slow_after_failures", &w.slow_after_failures, 1, 1'000'000));
    PG_RETURN_IF_ERROR(ar.Integer("slow_delay_ms", &w.slow_delay_ms, 0, 30'000));
    PG_RETURN_IF_ERROR(
        ar.Integer("lockout_after_failures", &w.lockout_after_failures, 1, 1'000'000));
    PG_RETURN_IF_ERROR(ar.Integer("lockout_seconds", &w.lockout_seconds, 1, 7 * 86'400));
    PG_RETURN_IF_ERROR(ar.Integer("max_tracked_sources", &w.max_tracked_sources, 1, 10'000'000));
    PG_RETURN_IF_ERROR(ar.RejectUnknown());
  }
  return r.RejectUnknown();
}

absl::Status ParseApp(const json& v, const std::string& path, const EnvLookup& env, App* out) {
  if (!v.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be an object"));
  ObjectReader r(v, path);
  PG_RETURN_IF_ERROR(r.String("app_id", &out->app_id));
  if (out->app_id.empty()) return r.Error("app_id", "is required");
  const json* webhook = r.Find("webhook");
  if (webhook == nullptr) return r.Error("webhook", "is required");
  PG_RETURN_IF_ERROR(ParseWebhookAuth(*webhook, r.PathOf("webhook"), env, &out->webhook));
  if (const json* keys = r.Find("api_keys")) {
    if (!keys->is_array()) return r.Error("api_keys", "must be an array");
    for (size_t i = 0; i < keys->size(); ++i) {
      const std::string item_path = absl::StrCat(r.PathOf("api_keys"), "[", i, "]");
      const json& item = (*keys)[i];
      if (!item.is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(item_path, ": must be an object"));
      }
      ObjectReader kr(item, item_path);
      ApiKey key;
      PG_RETURN_IF_ERROR(kr.String("name", &key.name));
      if (key.name.empty()) return kr.Error("name", "is required");
      const json* secret = kr.Find("key");
      if (secret == nullptr) return kr.Error("key", "is required");
      PG_RETURN_IF_ERROR(ParseSecret(*secret, kr.PathOf("key"), env, &key.key));
      // Required: a key's power should be chosen, not inherited from a default.
      std::string role;
      PG_RETURN_IF_ERROR(kr.String("role", &role));
      if (role.empty()) return kr.Error("role", "is required: \"register\", \"read\" or \"admin\"");
      if (!ParseRole(role, &key.role)) {
        return kr.Error("role", "must be \"register\", \"read\" or \"admin\"");
      }
      if (const json* limit = kr.Find("rate_limit")) {
        key.rate_limit.emplace();
        PG_RETURN_IF_ERROR(ParseRateLimit(*limit, kr.PathOf("rate_limit"), &*key.rate_limit));
      }
      PG_RETURN_IF_ERROR(kr.RejectUnknown());
      out->api_keys.push_back(std::move(key));
    }
  }
  if (const json* apns = r.Find("apns")) {
    out->apns.emplace();
    PG_RETURN_IF_ERROR(ParseApns(*apns, r.PathOf("apns"), env, &*out->apns));
  }
  if (const json* fcm = r.Find("fcm")) {
    out->fcm.emplace();
    PG_RETURN_IF_ERROR(ParseFcm(*fcm, r.PathOf("fcm"), env, &*out->fcm));
  }
  if (const json* webpush = r.Find("webpush")) {
    out->webpush.emplace();
    PG_RETURN_IF_ERROR(ParseWebPush(*webpush, r.PathOf("webpush"), env, &*out->webpush));
  }
  if (const json* rules = r.Find("rules")) {
    PG_RETURN_IF_ERROR(ParseRules(*rules, r.PathOf("rules"), &out->rules));
  }
  PG_RETURN_IF_ERROR(r.Bool("log_channel", &out->log_channel));
  if (const json* hooks = r.Find("forward_hooks")) {
    if (!hooks->is_array()) return r.Error("forward_hooks", "must be an array");
    std::set<std::string> names;
    for (size_t i = 0; i < hooks->size(); ++i) {
      const std::string item_path = absl::StrCat(r.PathOf("forward_hooks"), "[", i, "]");
      ForwardHook hook;
      PG_RETURN_IF_ERROR(ParseForwardHook((*hooks)[i], item_path, env, &hook));
      if (!names.insert(hook.name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(item_path, ".name: \"", hook.name, "\" appears twice in this app"));
      }
      out->forward_hooks.push_back(std::move(hook));
    }
  }
  return r.RejectUnknown();
}

absl::Status ParseEngine(const json& v, EngineConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError("engine: must be an object");
  ObjectReader r(v, "engine");
  PG_RETURN_IF_ERROR(r.Bool("enabled", &out->enabled));
  PG_RETURN_IF_ERROR(r.Integer("lease_seconds", &out->lease_seconds, 5, 3600));
  PG_RETURN_IF_ERROR(r.Integer("max_attempts", &out->max_attempts, 1, 100));
  PG_RETURN_IF_ERROR(r.Integer("initial_backoff_ms", &out->initial_backoff_ms, 10, 3'600'000));
  PG_RETURN_IF_ERROR(r.Integer("max_backoff_seconds", &out->max_backoff_seconds, 1, 86'400));
  PG_RETURN_IF_ERROR(r.Integer("quota_backoff_seconds", &out->quota_backoff_seconds, 0, 86'400));
  PG_RETURN_IF_ERROR(r.Integer("max_age_seconds", &out->max_age_seconds, 1, 30 * 86'400));
  PG_RETURN_IF_ERROR(r.Integer("call_expiry_seconds", &out->call_expiry_seconds, 1, 3600));
  PG_RETURN_IF_ERROR(r.Integer("claim_batch", &out->claim_batch, 1, 10'000));
  PG_RETURN_IF_ERROR(r.Integer("max_in_flight", &out->max_in_flight, 1, 100'000));
  PG_RETURN_IF_ERROR(r.Integer("poll_interval_ms", &out->poll_interval_ms, 10, 60'000));
  PG_RETURN_IF_ERROR(r.Integer("request_timeout_ms", &out->request_timeout_ms, 100, 120'000));
  return r.RejectUnknown();
}

absl::Status ParseRetention(const json& v, RetentionConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError("retention: must be an object");
  ObjectReader r(v, "retention");
  PG_RETURN_IF_ERROR(r.Integer("notifications_days", &out->notifications_days, 1, 3650));
  PG_RETURN_IF_ERROR(
      r.Integer("inactive_registrations_days", &out->inactive_registrations_days, 1, 3650));
  PG_RETURN_IF_ERROR(r.Integer("interval_seconds", &out->interval_seconds, 1, 86'400));
  PG_RETURN_IF_ERROR(r.Integer("batch_rows", &out->batch_rows, 1, 10'000));
  PG_RETURN_IF_ERROR(r.Integer("pause_ms", &out->pause_ms, 0, 60'000));
  return r.RejectUnknown();
}

absl::Status ParseHttp(const json& v, HttpConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError("http: must be an object");
  ObjectReader r(v, "http");
  PG_RETURN_IF_ERROR(r.String("address", &out->address));
  PG_RETURN_IF_ERROR(r.Integer("threads", &out->threads, 1, 64));
  PG_RETURN_IF_ERROR(r.String("webhook_path", &out->webhook_path));
  PG_RETURN_IF_ERROR(r.Integer("max_body_bytes", &out->max_body_bytes, 1024, 64 << 20));
  PG_RETURN_IF_ERROR(r.Integer("max_header_bytes", &out->max_header_bytes, 1024, 1 << 20));
  PG_RETURN_IF_ERROR(r.Integer("read_timeout_ms", &out->read_timeout_ms, 100, 600'000));
  PG_RETURN_IF_ERROR(r.Integer("idle_timeout_ms", &out->idle_timeout_ms, 100, 3'600'000));
  if (const json* tls = r.Find("tls")) {
    if (!tls->is_object()) return r.Error("tls", "must be an object");
    ObjectReader tr(*tls, "http.tls");
    PG_RETURN_IF_ERROR(tr.String("cert_file", &out->tls.cert_file));
    PG_RETURN_IF_ERROR(tr.String("key_file", &out->tls.key_file));
    PG_RETURN_IF_ERROR(tr.RejectUnknown());
    if (out->tls.cert_file.empty() != out->tls.key_file.empty()) {
      return absl::InvalidArgumentError("http.tls: cert_file and key_file go together");
    }
  }
  return r.RejectUnknown();
}

absl::Status ParseGrpc(const json& v, GrpcConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError("grpc: must be an object");
  ObjectReader r(v, "grpc");
  PG_RETURN_IF_ERROR(r.String("address", &out->address));
  PG_RETURN_IF_ERROR(
      r.Integer("max_message_bytes", &out->max_message_bytes, 1024, 64 * 1024 * 1024));
  PG_RETURN_IF_ERROR(r.Bool("plaintext", &out->plaintext));
  if (const json* tls = r.Find("tls")) {
    if (!tls->is_object()) return r.Error("tls", "must be an object");
    ObjectReader tr(*tls, "grpc.tls");
    PG_RETURN_IF_ERROR(tr.String("cert_file", &out->tls.cert_file));
    PG_RETURN_IF_ERROR(tr.String("key_file", &out->tls.key_file));
    PG_RETURN_IF_ERROR(tr.String("client_ca_file", &out->tls.client_ca_file));
    PG_RETURN_IF_ERROR(tr.Bool("require_client_cert", &out->tls.require_client_cert));
    PG_RETURN_IF_ERROR(tr.Integer("refresh_seconds", &out->tls.refresh_seconds, 1, 86'400));
    PG_RETURN_IF_ERROR(tr.RejectUnknown());
    if (out->tls.cert_file.empty() || out->tls.key_file.empty()) {
      return absl::InvalidArgumentError("grpc.tls: cert_file and key_file are required");
    }
    if (out->tls.require_client_cert && out->tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "grpc.tls.client_ca_file: required when require_client_cert is true");
    }
  }
  return r.RejectUnknown();
}

// {"address": HOST:PORT, "basic_auth": {"username", "password": SECRET}, "tls": {...}}
absl::Status ParseAdmin(const json& v, const EnvLookup& env, AdminConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError("admin: must be an object");
  ObjectReader r(v, "admin");
  PG_RETURN_IF_ERROR(r.String("address", &out->address));
  if (const json* auth = r.Find("basic_auth")) {
    if (!auth->is_object()) return r.Error("basic_auth", "must be an object");
    ObjectReader ar(*auth, "admin.basic_auth");
    BasicAuthCredential cred;
    PG_RETURN_IF_ERROR(ar.String("username", &cred.username));
    if (cred.username.empty() || cred.username.find(':') != std::string::npos) {
      return ar.Error("username", "must be a non-empty string without ':'");
    }
    const json* password = ar.Find("password");
    if (password == nullptr) return ar.Error("password", "is required");
    PG_RETURN_IF_ERROR(ParseSecret(*password, ar.PathOf("password"), env, &cred.password));
    PG_RETURN_IF_ERROR(ar.RejectUnknown());
    out->basic_auth = std::move(cred);
  }
  if (const json* tls = r.Find("tls")) {
    if (!tls->is_object()) return r.Error("tls", "must be an object");
    ObjectReader tr(*tls, "admin.tls");
    PG_RETURN_IF_ERROR(tr.String("cert_file", &out->tls.cert_file));
    PG_RETURN_IF_ERROR(tr.String("key_file", &out->tls.key_file));
    PG_RETURN_IF_ERROR(tr.RejectUnknown());
    if (out->tls.cert_file.empty() != out->tls.key_file.empty()) {
      return absl::InvalidArgumentError("admin.tls: cert_file and key_file go together");
    }
  }
  return r.RejectUnknown();
}

absl::Status ParseStore(const json& v, StoreConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError("store: must be an object");
  ObjectReader r(v, "store");
  PG_RETURN_IF_ERROR(r.String("synchronous", &out->synchronous));
  if (out->synchronous != "full" && out->synchronous != "normal") {
    return r.Error("synchronous", "must be \"full\" or \"normal\"");
  }
  PG_RETURN_IF_ERROR(r.Integer("write_queue_capacity", &out->write_queue_capacity, 16, 10'000'000));
  PG_RETURN_IF_ERROR(r.Integer("max_batch", &out->max_batch, 1, 100'000));
  PG_RETURN_IF_ERROR(
      r.Integer("dedupe_window_seconds", &out->dedupe_window_seconds, 0, int64_t{366} * 24 * 3600));
  PG_RETURN_IF_ERROR(r.Integer("max_db_bytes", &out->max_db_bytes, 0, INT64_MAX));
  PG_RETURN_IF_ERROR(r.Integer("read_connections", &out->read_connections, 1, 64));
  PG_RETURN_IF_ERROR(r.Integer("cache_size_kib", &out->cache_size_kib, 1024, 64 << 20));
  return r.RejectUnknown();
}

absl::Status ParseRegistry(const json& v, RegistryConfig* out) {
  if (!v.is_object()) return absl::InvalidArgumentError("registry: must be an object");
  ObjectReader r(v, "registry");
  PG_RETURN_IF_ERROR(
      r.Integer("max_registrations_per_user", &out->max_registrations_per_user, 1, 10'000));
  return r.RejectUnknown();
}

bool ValidHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port)) return false;
  return port >= 0 && port <= 65535;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRegister:
      return "register";
    case Role::kRead:
      return "read";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

bool IsLoopbackAddress(std::string_view host_port) {
  std::string_view host = host_port.substr(0, host_port.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8: four dotted numbers, the first 127.
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

const App* Config::FindApp(std::string_view app_id) const {
  for (const App& app : apps) {
    if (app.app_id == app_id) return &app;
  }
  return nullptr;
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

absl::Status ValidateConfig(const Config& config) {
  if (config.data_dir.empty()) return absl::InvalidArgumentError("data_dir: must not be empty");
  if (!ValidHostPort(config.http.address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("http.address: \"", config.http.address, "\" is not host:port"));
  }
  if (!ValidHostPort(config.grpc.address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc.address: \"", config.grpc.address, "\" is not host:port"));
  }
  if (config.grpc.tls.enabled() && config.grpc.plaintext) {
    return absl::InvalidArgumentError("grpc.plaintext: cannot be true together with grpc.tls");
  }
  // Bearer keys cross the wire in the clear without TLS: only an explicit choice allows that
  // beyond this machine.
  if (!config.grpc.tls.enabled() && !config.grpc.plaintext &&
      !IsLoopbackAddress(config.grpc.address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc.tls: required for the non-loopback address \"", config.grpc.address,
                     "\" (API keys would travel in clear text); configure grpc.tls, or set "
                     "grpc.plaintext: true when a TLS proxy or a private network protects it"));
  }
  if (!ValidHostPort(config.admin.address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin.address: \"", config.admin.address, "\" is not host:port"));
  }
  // The admin password goes with every request: beyond this machine only over TLS.
  if (config.admin.enabled() && !config.admin.tls.enabled() &&
      !IsLoopbackAddress(config.admin.address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin.tls: required for the non-loopback address \"", config.admin.address,
                     "\" (the admin password would travel in clear text)"));
  }
  if (config.http.webhook_path.empty() || config.http.webhook_path[0] != '/') {
    return absl::InvalidArgumentError("http.webhook_path: must start with '/'");
  }
  LogLevel level;
  if (!ParseLogLevel(config.log_level, &level)) {
    return absl::InvalidArgumentError("log_level: must be debug, info, warn or error");
  }
  std::set<std::string> app_ids;
  for (size_t i = 0; i < config.apps.size(); ++i) {
    const App& app = config.apps[i];
    if (!app_ids.insert(app.app_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("apps[", i, "].app_id: \"", app.app_id, "\" appears twice"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Config> ParseConfig(std::string_view json_text, const EnvLookup& env) {
  json root = json::parse(json_text, /*cb=*/nullptr, /*allow_exceptions=*/false,
                          /*ignore_comments=*/true);
  if (root.is_discarded()) return absl::InvalidArgumentError("config: not valid JSON");
  if (!root.is_object()) return absl::InvalidArgumentError("config: must be a JSON object");
  Config config;
  ObjectReader r(root, "");
  PG_RETURN_IF_ERROR(r.String("data_dir", &config.data_dir));
  PG_RETURN_IF_ERROR(r.String("log_level", &config.log_level));
  if (const json* v = r.Find("http")) PG_RETURN_IF_ERROR(ParseHttp(*v, &config.http));
  if (const json* v = r.Find("grpc")) PG_RETURN_IF_ERROR(ParseGrpc(*v, &config.grpc));
  if (const json* v = r.Find("admin")) PG_RETURN_IF_ERROR(ParseAdmin(*v, env, &config.admin));
  if (const json* v = r.Find("store")) PG_RETURN_IF_ERROR(ParseStore(*v, &config.store));
  if (const json* v = r.Find("registry")) {
    PG_RETURN_IF_ERROR(ParseRegistry(*v, &config.registry));
  }
  if (const json* v = r.Find("engine")) PG_RETURN_IF_ERROR(ParseEngine(*v, &config.engine));
  if (const json* v = r.Find("retention")) {
    PG_RETURN_IF_ERROR(ParseRetention(*v, &config.retention));
  }
  if (const json* v = r.Find("limits")) PG_RETURN_IF_ERROR(ParseLimits(*v, &config.limits));
  if (const json* apps = r.Find("apps")) {
    if (!apps->is_array()) return r.Error("apps", "must be an array");
    for (size_t i = 0; i < apps->size(); ++i) {
      App app;
      PG_RETURN_IF_ERROR(ParseApp((*apps)[i], absl::StrCat("apps[", i, "]"), env, &app));
      config.apps.push_back(std::move(app));
    }
  }
  PG_RETURN_IF_ERROR(r.RejectUnknown());
  if (config.apps.empty()) return absl::InvalidArgumentError("apps: at least one app is required");
  PG_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path, const EnvLookup& env) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<Config> config = ParseConfig(*text, env);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

}  // namespace pushgate::config
