#include "pushgatectl_args.h"

#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"

namespace pushgate::ctl {
namespace {

namespace pb = ::pushgate::v1;

// Which subcommands a flag applies to; a flag given to another one is an error, because it
// would otherwise be silently ignored (e.g. --topic on `unregister`).
enum : unsigned {
  kReg = 1u << 0,
  kUnreg = 1u << 1,
  kList = 1u << 2,
  kStatus = 1u << 3,
  kNotes = 1u << 4,  // list
  kWatch = 1u << 5,
  kStats = 1u << 6,
  kRetry = 1u << 7,
  kPreview = 1u << 8,
  kAny = kReg | kUnreg | kList | kStatus | kNotes | kWatch | kStats | kRetry | kPreview,
};

struct FlagSpec {
  bool boolean;
  unsigned commands;
};

const std::map<std::string, FlagSpec>& Flags() {
  static const auto* flags = new std::map<std::string, FlagSpec>{
      {"address", {false, kAny}},
      {"api_key", {false, kAny}},
      {"timeout", {false, kAny}},
      {"tls", {true, kAny}},
      {"ca_file", {false, kAny}},
      {"cert_file", {false, kAny}},
      {"key_file", {false, kAny}},
      {"server_name", {false, kAny}},
      {"json", {true, kAny}},
      {"app", {false, kAny}},
      {"uid", {false, kReg | kUnreg | kList | kNotes | kWatch | kPreview}},
      {"file", {false, kPreview}},
      {"session", {false, kReg | kUnreg}},
      {"platform", {false, kReg | kUnreg}},
      {"token", {false, kReg | kUnreg}},
      {"topic", {false, kReg}},
      {"environment", {false, kReg}},
      {"fcm_os", {false, kReg}},
      {"p256dh", {false, kReg}},
      {"auth", {false, kReg}},
      {"device_id", {false, kReg}},
      {"user", {true, kUnreg}},
      {"page_size", {false, kList | kNotes}},
      {"page_token", {false, kList | kNotes}},
      {"id", {false, kStatus | kRetry}},
      {"state", {false, kNotes}},
      {"type", {false, kNotes}},
      {"outcome", {false, kNotes}},
      {"since", {false, kNotes | kRetry}},
      {"until", {false, kNotes}},
      {"window", {false, kStats}},
      {"all", {true, kList}},
      {"active_only", {true, kList}},
  };
  return *flags;
}

absl::Status Usage(std::string_view problem) {
  return absl::InvalidArgumentError(std::string(problem));
}

unsigned CommandBit(Command c) {
  switch (c) {
    case Command::kRegister:
      return kReg;
    case Command::kUnregister:
      return kUnreg;
    case Command::kTokens:
      return kList;
    case Command::kStatus:
      return kStatus;
    case Command::kList:
      return kNotes;
    case Command::kWatch:
      return kWatch;
    case Command::kStats:
      return kStats;
    case Command::kRetry:
      return kRetry;
    case Command::kPreview:
      return kPreview;
    case Command::kHelp:
      break;
  }
  return 0;
}

const char* CommandName(Command c) {
  switch (c) {
    case Command::kRegister:
      return "register";
    case Command::kUnregister:
      return "unregister";
    case Command::kTokens:
      return "tokens";
    case Command::kStatus:
      return "status";
    case Command::kList:
      return "list";
    case Command::kWatch:
      return "watch";
    case Command::kStats:
      return "stats";
    case Command::kRetry:
      return "retry";
    case Command::kPreview:
      return "preview";
    case Command::kHelp:
      break;
  }
  return "help";
}

std::optional<pb::Platform> ParsePlatform(const std::string& v) {
  if (v == "apns") return pb::PLATFORM_APNS;
  if (v == "apns_voip") return pb::PLATFORM_APNS_VOIP;
  if (v == "fcm") return pb::PLATFORM_FCM;
  if (v == "webpush") return pb::PLATFORM_WEBPUSH;
  return std::nullopt;
}

std::optional<bool> ParseBool(const std::string& v) {
  if (v.empty() || v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return std::nullopt;
}

// Parses "2026-11-28T09:00:00Z" (RFC 3339) into `time`, or "90m" into `ago`.
absl::Status ParseTimeOrAgo(const std::string& flag, const std::string& v,
                            std::optional<absl::Time>* time, std::optional<absl::Duration>* ago) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, v, &t, &err)) {
    *time = t;
    return absl::OkStatus();
  }
  absl::Duration d;
  if (absl::ParseDuration(v, &d) && d > absl::ZeroDuration()) {
    *ago = d;
    return absl::OkStatus();
  }
  return Usage(absl::StrCat("--", flag,
                            ": expected an RFC 3339 time (2026-11-28T09:00:00Z) or a duration "
                            "before now (1h, 30m), got '",
                            v, "'"));
}

template <typename Enum>
std::optional<Enum> ParseEnum(const std::vector<std::pair<const char*, Enum>>& names,
                              const std::string& v) {
  for (const auto& [name, value] : names) {
    if (v == name) return value;
  }
  return std::nullopt;
}

struct RawFlag {
  std::string name;
  std::string value;
  bool has_value = false;
};

}  // namespace

absl::StatusOr<CtlArgs> ParseArgs(const std::vector<std::string>& args, const EnvLookup& env) {
  CtlArgs out;
  std::vector<RawFlag> flags;
  std::optional<std::string> command;
  std::optional<std::string> operand;  // `status <id>`

  // Pass 1: split flags from the one positional argument (the subcommand), wherever it is.
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out.command = Command::kHelp;
      return out;
    }
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      if (command && *command == "status" && !operand) {
        operand = a;
        continue;
      }
      if (command) return Usage(absl::StrCat("unexpected argument '", a, "'"));
      command = a;
      continue;
    }
    RawFlag f;
    const size_t eq = a.find('=');
    f.name = absl::StrReplaceAll(a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2),
                                 {{"-", "_"}});
    auto spec = Flags().find(f.name);
    if (spec == Flags().end()) return Usage(absl::StrCat("unknown flag --", f.name));
    if (eq != std::string::npos) {
      f.value = a.substr(eq + 1);
      f.has_value = true;
    } else if (!spec->second.boolean) {
      if (i + 1 >= args.size()) return Usage(absl::StrCat("--", f.name, " needs a value"));
      f.value = args[++i];
      f.has_value = true;
    }
    flags.push_back(std::move(f));
  }

  if (!command) {
    return Usage(
        "missing command: register, unregister, tokens, status, list, watch, stats or retry");
  }
  if (*command == "help") {
    out.command = Command::kHelp;
    return out;
  } else if (*command == "register") {
    out.command = Command::kRegister;
  } else if (*command == "unregister") {
    out.command = Command::kUnregister;
  } else if (*command == "tokens") {
    out.command = Command::kTokens;
  } else if (*command == "status") {
    out.command = Command::kStatus;
  } else if (*command == "list") {
    out.command = Command::kList;
  } else if (*command == "watch") {
    out.command = Command::kWatch;
  } else if (*command == "stats") {
    out.command = Command::kStats;
  } else if (*command == "retry") {
    out.command = Command::kRetry;
  } else if (*command == "preview") {
    out.command = Command::kPreview;
  } else {
    return Usage(absl::StrCat("unknown command '", *command,
                              "' (expected register, unregister, tokens, status, list, watch, "
                              "stats, retry or preview)"));
  }
  if (operand) out.id = *operand;

  // Pass 2: assign, now that the command is known.
  bool user_flag = false;
  std::string user_uid;
  std::optional<std::string> address, api_key;
  for (const RawFlag& f : flags) {
    const FlagSpec& spec = Flags().at(f.name);
    if ((spec.commands & CommandBit(out.command)) == 0) {
      return Usage(
          absl::StrCat("--", f.name, " does not apply to '", CommandName(out.command), "'"));
    }
    const std::string& v = f.value;
    auto boolean = [&](bool* dst) -> absl::Status {
      std::optional<bool> b = ParseBool(v);
      if (!b) return Usage(absl::StrCat("--", f.name, ": expected true or false, got '", v, "'"));
      *dst = *b;
      return absl::OkStatus();
    };
    absl::Status s;
    if (f.name == "address") {
      address = v;
    } else if (f.name == "api_key") {
      api_key = v;
    } else if (f.name == "tls") {
      s = boolean(&out.tls.enabled);
    } else if (f.name == "ca_file") {
      out.tls.ca_file = v;
    } else if (f.name == "cert_file") {
      out.tls.cert_file = v;
    } else if (f.name == "key_file") {
      out.tls.key_file = v;
    } else if (f.name == "server_name") {
      out.tls.server_name = v;
    } else if (f.name == "timeout") {
      if (!absl::ParseDuration(v, &out.timeout) || out.timeout <= absl::ZeroDuration()) {
        return Usage(
            absl::StrCat("--timeout: expected a duration like 5s or 500ms, got '", v, "'"));
      }
    } else if (f.name == "json") {
      s = boolean(&out.json);
    } else if (f.name == "app") {
      out.app = v;
    } else if (f.name == "uid") {
      out.uid = v;
    } else if (f.name == "session") {
      out.session = v;
    } else if (f.name == "platform") {
      std::optional<pb::Platform> p = ParsePlatform(v);
      if (!p)
        return Usage(
            absl::StrCat("--platform: expected apns, apns_voip, fcm or webpush, got '", v, "'"));
      out.platform = *p;
    } else if (f.name == "token") {
      out.token = v;
    } else if (f.name == "topic") {
      out.topic = v;
    } else if (f.name == "environment") {
      if (v == "sandbox") {
        out.environment = pb::APNS_ENVIRONMENT_SANDBOX;
      } else if (v == "production") {
        out.environment = pb::APNS_ENVIRONMENT_PRODUCTION;
      } else {
        return Usage(absl::StrCat("--environment: expected sandbox or production, got '", v, "'"));
      }
    } else if (f.name == "fcm_os") {
      if (v == "android") {
        out.fcm_os = pb::DEVICE_OS_ANDROID;
      } else if (v == "ios") {
        out.fcm_os = pb::DEVICE_OS_IOS;
      } else if (v == "web") {
        out.fcm_os = pb::DEVICE_OS_WEB;
      } else {
        return Usage(absl::StrCat("--fcm_os: expected android, ios or web, got '", v, "'"));
      }
    } else if (f.name == "p256dh") {
      out.p256dh = v;
    } else if (f.name == "auth") {
      out.auth = v;
    } else if (f.name == "device_id") {
      out.device_id = v;
    } else if (f.name == "user") {
      // `--user` alone means "the user given by --uid"; `--user=alice` names the user.
      std::optional<bool> b = f.has_value ? ParseBool(v) : std::optional<bool>(true);
      if (b) {
        user_flag = *b;
      } else {
        user_flag = true;
        user_uid = v;
      }
    } else if (f.name == "page_size") {
      if (!absl::SimpleAtoi(v, &out.page_size) || out.page_size < 0) {
        return Usage(absl::StrCat("--page_size: expected a number >= 0, got '", v, "'"));
      }
    } else if (f.name == "page_token") {
      out.page_token = v;
    } else if (f.name == "all") {
      s = boolean(&out.all_pages);
    } else if (f.name == "active_only") {
      s = boolean(&out.active_only);
    } else if (f.name == "id") {
      if (!out.id.empty() && out.id != v) return Usage("give the id once");
      out.id = v;
    } else if (f.name == "state") {
      auto e =
          ParseEnum<pb::NotificationState>({{"queued", pb::NOTIFICATION_STATE_QUEUED},
                                            {"dispatching", pb::NOTIFICATION_STATE_DISPATCHING},
                                            {"done", pb::NOTIFICATION_STATE_DONE}},
                                           v);
      if (!e)
        return Usage(absl::StrCat("--state: expected queued, dispatching or done, got '", v, "'"));
      out.state = *e;
    } else if (f.name == "type") {
      auto e = ParseEnum<pb::NotificationType>(
          {{"chat", pb::NOTIFICATION_TYPE_CHAT}, {"call", pb::NOTIFICATION_TYPE_CALL}}, v);
      if (!e) return Usage(absl::StrCat("--type: expected chat or call, got '", v, "'"));
      out.type = *e;
    } else if (f.name == "outcome") {
      auto e = ParseEnum<pb::NotificationOutcome>(
          {{"delivered", pb::NOTIFICATION_OUTCOME_DELIVERED},
           {"partially_delivered", pb::NOTIFICATION_OUTCOME_PARTIALLY_DELIVERED},
           {"failed", pb::NOTIFICATION_OUTCOME_FAILED},
           {"no_targets", pb::NOTIFICATION_OUTCOME_NO_TARGETS},
           {"filtered", pb::NOTIFICATION_OUTCOME_FILTERED},
           {"expired", pb::NOTIFICATION_OUTCOME_EXPIRED}},
          v);
      if (!e) {
        return Usage(absl::StrCat(
            "--outcome: expected delivered, partially_delivered, failed, no_targets, filtered "
            "or expired, got '",
            v, "'"));
      }
      out.outcome = *e;
    } else if (f.name == "since") {
      s = ParseTimeOrAgo("since", v, &out.since, &out.since_ago);
    } else if (f.name == "until") {
      s = ParseTimeOrAgo("until", v, &out.until, &out.until_ago);
    } else if (f.name == "file") {
      out.file = v;
    } else if (f.name == "window") {
      if (!absl::ParseDuration(v, &out.window) || out.window < absl::Seconds(1)) {
        return Usage(absl::StrCat("--window: expected a duration like 1h or 15m, got '", v, "'"));
      }
    }
    if (!s.ok()) return s;
  }

  out.address = address ? *address : env("PUSHGATE_ADDRESS").value_or("127.0.0.1:50051");
  out.api_key = api_key ? *api_key : env("PUSHGATE_API_KEY").value_or("");
  if (out.address.empty()) return Usage("--address is empty");
  // Any TLS file implies TLS; the environment fills what the flags leave out.
  for (auto [file, var] : {std::pair{&out.tls.ca_file, "PUSHGATE_CA_FILE"},
                           std::pair{&out.tls.cert_file, "PUSHGATE_CERT_FILE"},
                           std::pair{&out.tls.key_file, "PUSHGATE_KEY_FILE"}}) {
    if (file->empty()) *file = env(var).value_or("");
    if (!file->empty()) out.tls.enabled = true;
  }
  if (env("PUSHGATE_TLS").value_or("") == "true") out.tls.enabled = true;
  if (out.tls.cert_file.empty() != out.tls.key_file.empty()) {
    return Usage("--cert_file and --key_file go together (a client certificate for mTLS)");
  }
  if (out.api_key.empty()) return Usage("no API key: pass --api_key or set PUSHGATE_API_KEY");
  if (out.app.empty()) return Usage("--app is required");

  if (!user_uid.empty()) {
    if (!out.uid.empty() && out.uid != user_uid) {
      return Usage("--user=<uid> and --uid name different users");
    }
    out.uid = user_uid;
  }

  switch (out.command) {
    case Command::kRegister: {
      for (auto [name, value] : {std::pair{"--uid", &out.uid}, std::pair{"--session", &out.session},
                                 std::pair{"--token", &out.token}}) {
        if (value->empty()) return Usage(absl::StrCat(name, " is required for register"));
      }
      if (out.platform == pb::PLATFORM_UNSPECIFIED) {
        return Usage("--platform is required for register (apns, apns_voip, fcm or webpush)");
      }
      const bool apns = out.platform == pb::PLATFORM_APNS || out.platform == pb::PLATFORM_APNS_VOIP;
      const bool webpush = out.platform == pb::PLATFORM_WEBPUSH;
      if (apns) {
        if (out.topic.empty()) return Usage("--topic (the app's bundle id) is required for apns");
        if (out.environment == pb::APNS_ENVIRONMENT_UNSPECIFIED) {
          return Usage("--environment (sandbox or production) is required for apns");
        }
      } else if (!out.topic.empty() || out.environment != pb::APNS_ENVIRONMENT_UNSPECIFIED) {
        return Usage("--topic and --environment apply to apns and apns_voip only");
      }
      if (webpush) {
        if (out.p256dh.empty() || out.auth.empty()) {
          return Usage("--p256dh and --auth (the subscription's keys) are required for webpush");
        }
      } else if (!out.p256dh.empty() || !out.auth.empty()) {
        return Usage("--p256dh and --auth apply to webpush only");
      }
      if (out.fcm_os != pb::DEVICE_OS_UNSPECIFIED && out.platform != pb::PLATFORM_FCM) {
        return Usage("--fcm_os applies to fcm only");
      }
      break;
    }
    case Command::kUnregister: {
      const int modes = (!out.token.empty()) + (!out.session.empty()) + (user_flag ? 1 : 0);
      if (modes != 1) {
        return Usage("unregister needs exactly one of --token, --session or --user");
      }
      if (!out.token.empty()) {
        out.unregister_by = UnregisterBy::kToken;
        if (!out.uid.empty()) return Usage("--uid does not apply to unregister --token");
      } else {
        out.unregister_by = out.session.empty() ? UnregisterBy::kUser : UnregisterBy::kSession;
        if (out.uid.empty()) return Usage("--uid is required to unregister a session or user");
        if (out.platform != pb::PLATFORM_UNSPECIFIED) {
          return Usage("--platform applies to unregister --token only");
        }
      }
      break;
    }
    case Command::kTokens:
      if (out.uid.empty()) return Usage("--uid is required for tokens");
      break;
    case Command::kStatus:
      if (out.id.empty()) return Usage("status needs a notification id: pushgatectl status <id>");
      break;
    case Command::kRetry: {
      const bool by_id = !out.id.empty();
      const bool by_time = out.since.has_value() || out.since_ago.has_value();
      if (by_id == by_time) return Usage("retry needs exactly one of --id or --since");
      break;
    }
    case Command::kPreview:
      if (out.file.empty()) return Usage("preview needs --file <webhook body JSON>");
      break;
    case Command::kList:
    case Command::kWatch:
    case Command::kStats:
    case Command::kHelp:
      break;
  }
  return out;
}

std::string Usage() {
  return R"(pushgatectl: manage push-token registrations in a pushgate server

usage: pushgatectl <command> [flags]

commands:
  register     register a device token for a user's session
                 --app --uid --session --platform apns|apns_voip|fcm|webpush --token
                 apns, apns_voip: --topic <bundle id> --environment sandbox|production
                 webpush: --token <endpoint URL> --p256dh <key> --auth <secret>
                 fcm: [--fcm_os android|ios|web]      any: [--device_id <id>]
  unregister   end registrations, by exactly one of:
                 --token <token> [--platform p]      one device token
                 --uid <uid> --session <id>          a session (logout)
                 --uid <uid> --user   (or --user=<uid>)   every session of a user
  tokens       list a user's registrations, newest first
                 --app --uid [--page_size n] [--page_token t] [--all] [--active_only]

  status <id>  one notification with every delivery and attempt
  list         notifications, newest first
                 --app [--uid u] [--state queued|dispatching|done] [--type chat|call]
                 [--outcome delivered|partially_delivered|failed|no_targets|filtered|expired]
                 [--since T] [--until T] [--page_size n] [--page_token t]
  watch        stream state changes live until Ctrl-C   --app [--uid u]
  stats        counts by state, channel and reason    --app [--window 1h]
  retry        redrive failed deliveries             --app (--id <id> | --since T)
  preview      what each provider would receive for a webhook body, credentials
               redacted; nothing is stored or sent   --app --file payload.json [--uid u]
  T is an RFC 3339 time (2026-11-28T09:00:00Z) or a duration before now (1h, 30m).

flags for every command:
  --address host:port   (env PUSHGATE_ADDRESS, default 127.0.0.1:50051)
  --api_key key         (env PUSHGATE_API_KEY)
  --timeout 10s         deadline per call
  --tls                 connect with TLS (env PUSHGATE_TLS=true); implied by the files below
  --ca_file pem         CA that signed the server certificate (env PUSHGATE_CA_FILE;
                        default: the system's roots)
  --cert_file pem       client certificate for mTLS (env PUSHGATE_CERT_FILE)
  --key_file pem        its private key (env PUSHGATE_KEY_FILE)
  --server_name name    name to check the server certificate against, if not the host
  --json                print the response as JSON instead of a table

Errors print the server's status and message and exit with 1; usage errors exit with 2.
)";
}

pb::RegisterTokenRequest BuildRegisterRequest(const CtlArgs& a) {
  pb::RegisterTokenRequest r;
  r.set_app_id(a.app);
  r.set_uid(a.uid);
  r.set_session_id(a.session);
  r.set_platform(a.platform);
  r.set_token(a.token);
  switch (a.platform) {
    case pb::PLATFORM_APNS:
    case pb::PLATFORM_APNS_VOIP:
      r.mutable_apns()->set_topic(a.topic);
      r.mutable_apns()->set_environment(a.environment);
      break;
    case pb::PLATFORM_FCM:
      if (a.fcm_os != pb::DEVICE_OS_UNSPECIFIED) r.mutable_fcm()->set_os(a.fcm_os);
      break;
    case pb::PLATFORM_WEBPUSH:
      r.mutable_web_push()->set_p256dh(a.p256dh);
      r.mutable_web_push()->set_auth(a.auth);
      break;
    default:
      break;
  }
  if (!a.device_id.empty()) r.mutable_device()->set_device_id(a.device_id);
  return r;
}

pb::UnregisterTokenRequest BuildUnregisterTokenRequest(const CtlArgs& a) {
  pb::UnregisterTokenRequest r;
  r.set_app_id(a.app);
  r.set_token(a.token);
  r.set_platform(a.platform);
  return r;
}

pb::UnregisterSessionRequest BuildUnregisterSessionRequest(const CtlArgs& a) {
  pb::UnregisterSessionRequest r;
  r.set_app_id(a.app);
  r.set_uid(a.uid);
  r.set_session_id(a.session);
  return r;
}

pb::UnregisterUserRequest BuildUnregisterUserRequest(const CtlArgs& a) {
  pb::UnregisterUserRequest r;
  r.set_app_id(a.app);
  r.set_uid(a.uid);
  return r;
}

pb::ListTokensRequest BuildListTokensRequest(const CtlArgs& a) {
  pb::ListTokensRequest r;
  r.set_app_id(a.app);
  r.set_uid(a.uid);
  r.set_page_size(a.page_size);
  r.set_page_token(a.page_token);
  r.set_active_only(a.active_only);
  return r;
}

namespace {

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t ns = absl::ToUnixNanos(t);
  out->set_seconds(ns / 1'000'000'000);
  out->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
}

std::optional<absl::Time> Resolve(const std::optional<absl::Time>& t,
                                  const std::optional<absl::Duration>& ago, absl::Time now) {
  if (t) return t;
  if (ago) return now - *ago;
  return std::nullopt;
}

}  // namespace

pb::GetNotificationRequest BuildGetNotificationRequest(const CtlArgs& a) {
  pb::GetNotificationRequest r;
  r.set_app_id(a.app);
  r.set_id(a.id);
  return r;
}

pb::ListNotificationsRequest BuildListNotificationsRequest(const CtlArgs& a, absl::Time now) {
  pb::ListNotificationsRequest r;
  r.set_app_id(a.app);
  r.set_uid(a.uid);
  r.set_state(a.state);
  r.set_type(a.type);
  r.set_outcome(a.outcome);
  if (auto t = Resolve(a.since, a.since_ago, now)) SetTime(*t, r.mutable_start_time());
  if (auto t = Resolve(a.until, a.until_ago, now)) SetTime(*t, r.mutable_end_time());
  r.set_page_size(a.page_size);
  r.set_page_token(a.page_token);
  return r;
}

pb::WatchNotificationsRequest BuildWatchRequest(const CtlArgs& a) {
  pb::WatchNotificationsRequest r;
  r.set_app_id(a.app);
  r.set_uid(a.uid);
  return r;
}

pb::GetStatsRequest BuildGetStatsRequest(const CtlArgs& a) {
  pb::GetStatsRequest r;
  r.set_app_id(a.app);
  r.set_window_seconds(absl::ToInt64Seconds(a.window));
  return r;
}

pb::RetryNotificationRequest BuildRetryRequest(const CtlArgs& a, absl::Time now) {
  pb::RetryNotificationRequest r;
  r.set_app_id(a.app);
  if (!a.id.empty()) {
    r.set_id(a.id);
  } else if (auto t = Resolve(a.since, a.since_ago, now)) {
    SetTime(*t, r.mutable_since());
  }
  return r;
}

pb::PreviewNotificationRequest BuildPreviewRequest(const CtlArgs& a, const std::string& payload) {
  pb::PreviewNotificationRequest r;
  r.set_app_id(a.app);
  r.set_payload_json(payload);
  r.set_uid(a.uid);
  return r;
}

}  // namespace pushgate::ctl
