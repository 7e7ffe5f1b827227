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
  kAny = kReg | kUnreg | kList,
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
      {"json", {true, kAny}},
      {"app", {false, kAny}},
      {"uid", {false, kAny}},
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
      {"page_size", {false, kList}},
      {"page_token", {false, kList}},
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

  // Pass 1: split flags from the one positional argument (the subcommand), wherever it is.
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out.command = Command::kHelp;
      return out;
    }
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
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

  if (!command) return Usage("missing command: register, unregister or tokens");
  if (*command == "help") {
    out.command = Command::kHelp;
    return out;
  } else if (*command == "register") {
    out.command = Command::kRegister;
  } else if (*command == "unregister") {
    out.command = Command::kUnregister;
  } else if (*command == "tokens") {
    out.command = Command::kTokens;
  } else {
    return Usage(
        absl::StrCat("unknown command '", *command, "' (expected register, unregister or tokens)"));
  }

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
    }
    if (!s.ok()) return s;
  }

  out.address = address ? *address : env("PUSHGATE_ADDRESS").value_or("127.0.0.1:50051");
  out.api_key = api_key ? *api_key : env("PUSHGATE_API_KEY").value_or("");
  if (out.address.empty()) return Usage("--address is empty");
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

flags for every command:
  --address host:port   (env PUSHGATE_ADDRESS, default 127.0.0.1:50051)
  --api_key key         (env PUSHGATE_API_KEY)
  --timeout 10s         deadline per call
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

}  // namespace pushgate::ctl
