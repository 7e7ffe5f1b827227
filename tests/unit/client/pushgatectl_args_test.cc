#include "pushgatectl_args.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgate::ctl {
namespace {

namespace pb = ::pushgate::v1;
using ::testing::HasSubstr;

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

absl::StatusOr<CtlArgs> Parse(std::vector<std::string> args,
                              std::map<std::string, std::string> env = {
                                  {"PUSHGATE_API_KEY", "env-key"}}) {
  return ParseArgs(args, Env(std::move(env)));
}

void ExpectUsageError(std::vector<std::string> args, const std::string& fragment) {
  auto got = Parse(args);
  ASSERT_FALSE(got.ok()) << ::testing::PrintToString(args);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr(fragment))
      << ::testing::PrintToString(args);
}

TEST(ParseArgs, RegisterApns) {
  auto a = Parse({"register", "--app", "app-a", "--uid=alice", "--session", "s1", "--platform",
                  "apns", "--token", "abcd", "--topic", "com.example.chat", "--environment",
                  "sandbox", "--device-id", "iphone"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->command, Command::kRegister);
  EXPECT_EQ(a->address, "127.0.0.1:50051");
  EXPECT_EQ(a->api_key, "env-key");
  pb::RegisterTokenRequest r = BuildRegisterRequest(*a);
  EXPECT_EQ(r.app_id(), "app-a");
  EXPECT_EQ(r.uid(), "alice");
  EXPECT_EQ(r.session_id(), "s1");
  EXPECT_EQ(r.platform(), pb::PLATFORM_APNS);
  EXPECT_EQ(r.token(), "abcd");
  EXPECT_EQ(r.apns().topic(), "com.example.chat");
  EXPECT_EQ(r.apns().environment(), pb::APNS_ENVIRONMENT_SANDBOX);
  EXPECT_EQ(r.device().device_id(), "iphone");
}

TEST(ParseArgs, TlsFromFlagsAndEnvironment) {
  auto plain = Parse({"tokens", "--app=a", "--uid=u"});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->tls.enabled);
  auto flags = Parse({"tokens", "--app=a", "--uid=u", "--ca_file=/ca.pem", "--cert_file=/c.pem",
                      "--key_file=/k.pem", "--server_name=pushgate.internal"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_TRUE(flags->tls.enabled);  // a TLS file implies --tls
  EXPECT_EQ(flags->tls.ca_file, "/ca.pem");
  EXPECT_EQ(flags->tls.cert_file, "/c.pem");
  EXPECT_EQ(flags->tls.key_file, "/k.pem");
  EXPECT_EQ(flags->tls.server_name, "pushgate.internal");
  auto env = Parse({"tokens", "--app=a", "--uid=u"},
                   {{"PUSHGATE_API_KEY", "k"}, {"PUSHGATE_CA_FILE", "/env-ca.pem"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_TRUE(env->tls.enabled);
  EXPECT_EQ(env->tls.ca_file, "/env-ca.pem");
  auto system_roots = Parse({"tokens", "--tls", "--app=a", "--uid=u"});
  ASSERT_TRUE(system_roots.ok()) << system_roots.status();
  EXPECT_TRUE(system_roots->tls.enabled);
  EXPECT_TRUE(system_roots->tls.ca_file.empty());
  ExpectUsageError({"tokens", "--app=a", "--uid=u", "--cert_file=/c.pem"},
                   "--cert_file and --key_file go together");
}

TEST(ParseArgs, RegisterFcmAndWebPush) {
  auto fcm = Parse({"--app=a", "register", "--uid=u", "--session=s", "--platform=fcm", "--token=t",
                    "--fcm_os=ios"});
  ASSERT_TRUE(fcm.ok()) << fcm.status();
  pb::RegisterTokenRequest r = BuildRegisterRequest(*fcm);
  EXPECT_EQ(r.platform(), pb::PLATFORM_FCM);
  EXPECT_EQ(r.fcm().os(), pb::DEVICE_OS_IOS);
  EXPECT_FALSE(r.has_device());

  auto web = Parse({"register", "--app=a", "--uid=u", "--session=s", "--platform=webpush",
                    "--token=https://push.example/x", "--p256dh=BPk", "--auth=au"});
  ASSERT_TRUE(web.ok()) << web.status();
  r = BuildRegisterRequest(*web);
  EXPECT_EQ(r.platform(), pb::PLATFORM_WEBPUSH);
  EXPECT_EQ(r.web_push().p256dh(), "BPk");
  EXPECT_EQ(r.web_push().auth(), "au");
  EXPECT_FALSE(r.has_apns());
}

TEST(ParseArgs, RegisterRequiresPlatformDetails) {
  const std::vector<std::string> base = {"register", "--app=a", "--uid=u", "--session=s",
                                         "--token=t"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = base;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  ExpectUsageError(base, "--platform is required");
  ExpectUsageError(with({"--platform=apns"}), "--topic");
  ExpectUsageError(with({"--platform=apns_voip", "--topic=com.x.y"}), "--environment");
  ExpectUsageError(with({"--platform=fcm", "--topic=com.x.y"}), "apns and apns_voip only");
  ExpectUsageError(with({"--platform=webpush", "--p256dh=k"}), "--p256dh and --auth");
  ExpectUsageError(with({"--platform=fcm", "--auth=x"}), "webpush only");
  ExpectUsageError(
      with({"--platform=apns", "--topic=a.b", "--environment=sandbox", "--fcm_os=android"}),
      "fcm only");
  ExpectUsageError(with({"--platform=windows"}), "expected apns, apns_voip, fcm or webpush");
  ExpectUsageError(with({"--platform=apns", "--topic=a.b", "--environment=dev"}),
                   "sandbox or production");
  ExpectUsageError({"register", "--app=a", "--session=s", "--token=t", "--platform=fcm"},
                   "--uid is required");
}

TEST(ParseArgs, UnregisterModes) {
  auto by_token = Parse({"unregister", "--app=a", "--token=t", "--platform=fcm"});
  ASSERT_TRUE(by_token.ok()) << by_token.status();
  EXPECT_EQ(by_token->unregister_by, UnregisterBy::kToken);
  EXPECT_EQ(BuildUnregisterTokenRequest(*by_token).platform(), pb::PLATFORM_FCM);
  EXPECT_EQ(BuildUnregisterTokenRequest(*by_token).token(), "t");

  auto by_session = Parse({"unregister", "--app=a", "--uid=u", "--session=s"});
  ASSERT_TRUE(by_session.ok()) << by_session.status();
  EXPECT_EQ(by_session->unregister_by, UnregisterBy::kSession);
  EXPECT_EQ(BuildUnregisterSessionRequest(*by_session).session_id(), "s");

  auto by_user = Parse({"unregister", "--app=a", "--uid=u", "--user"});
  ASSERT_TRUE(by_user.ok()) << by_user.status();
  EXPECT_EQ(by_user->unregister_by, UnregisterBy::kUser);
  EXPECT_EQ(BuildUnregisterUserRequest(*by_user).uid(), "u");

  auto user_value = Parse({"unregister", "--app=a", "--user=bob"});
  ASSERT_TRUE(user_value.ok()) << user_value.status();
  EXPECT_EQ(user_value->unregister_by, UnregisterBy::kUser);
  EXPECT_EQ(user_value->uid, "bob");

  ExpectUsageError({"unregister", "--app=a"}, "exactly one of --token, --session or --user");
  ExpectUsageError({"unregister", "--app=a", "--token=t", "--uid=u", "--session=s"}, "exactly one");
  ExpectUsageError({"unregister", "--app=a", "--uid=u", "--session=s", "--user"}, "exactly one");
  ExpectUsageError({"unregister", "--app=a", "--session=s"}, "--uid is required");
  ExpectUsageError({"unregister", "--app=a", "--user"}, "--uid is required");
  ExpectUsageError({"unregister", "--app=a", "--uid=u", "--user=bob"}, "different users");
  ExpectUsageError({"unregister", "--app=a", "--uid=u", "--user", "--platform=fcm"},
                   "--platform applies to unregister --token only");
  // `--user bob` (with a space) leaves "bob" as a stray argument rather than guessing.
  ExpectUsageError({"unregister", "--app=a", "--user", "bob"}, "unexpected argument 'bob'");
  ExpectUsageError({"unregister", "--app=a", "--token=t", "--topic=x"},
                   "--topic does not apply to 'unregister'");
}

TEST(ParseArgs, TokensPaging) {
  auto a = Parse({"tokens", "--app=a", "--uid=u", "--page_size=50", "--page_token=Mw",
                  "--active_only", "--json"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->json);
  EXPECT_FALSE(a->all_pages);
  pb::ListTokensRequest r = BuildListTokensRequest(*a);
  EXPECT_EQ(r.page_size(), 50);
  EXPECT_EQ(r.page_token(), "Mw");
  EXPECT_TRUE(r.active_only());

  auto all = Parse({"tokens", "--app=a", "--uid=u", "--all", "--json=false"});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(all->all_pages);
  EXPECT_FALSE(all->json);

  ExpectUsageError({"tokens", "--app=a"}, "--uid is required");
  ExpectUsageError({"tokens", "--app=a", "--uid=u", "--page_size=-1"}, "--page_size");
  ExpectUsageError({"tokens", "--app=a", "--uid=u", "--page_size=ten"}, "--page_size");
  ExpectUsageError({"tokens", "--app=a", "--uid=u", "--all=maybe"}, "expected true or false");
  ExpectUsageError({"tokens", "--app=a", "--uid=u", "--session=s"},
                   "--session does not apply to 'tokens'");
}

TEST(ParseArgs, ConnectionFromFlagsOrEnvironment) {
  auto from_env = Parse({"tokens", "--app=a", "--uid=u"},
                        {{"PUSHGATE_ADDRESS", "pg:1234"}, {"PUSHGATE_API_KEY", "ek"}});
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->address, "pg:1234");
  EXPECT_EQ(from_env->api_key, "ek");

  auto from_flags =
      Parse({"tokens", "--app=a", "--uid=u", "--address=x:1", "--api-key=fk", "--timeout=250ms"},
            {{"PUSHGATE_ADDRESS", "pg:1234"}, {"PUSHGATE_API_KEY", "ek"}});
  ASSERT_TRUE(from_flags.ok());
  EXPECT_EQ(from_flags->address, "x:1");
  EXPECT_EQ(from_flags->api_key, "fk");
  EXPECT_EQ(from_flags->timeout, absl::Milliseconds(250));

  auto no_key = ParseArgs({"tokens", "--app=a", "--uid=u"}, Env({}));
  ASSERT_FALSE(no_key.ok());
  EXPECT_THAT(std::string(no_key.status().message()), HasSubstr("PUSHGATE_API_KEY"));
  ExpectUsageError({"tokens", "--app=a", "--uid=u", "--timeout=soon"}, "--timeout");
  ExpectUsageError({"tokens", "--app=a", "--uid=u", "--timeout=0s"}, "--timeout");
}

TEST(ParseArgs, CommandAndFlagErrors) {
  ExpectUsageError({}, "missing command");
  ExpectUsageError({"--app=a"}, "missing command");
  ExpectUsageError({"send", "--app=a"}, "unknown command 'send'");
  ExpectUsageError({"tokens", "tokens"}, "unexpected argument");
  ExpectUsageError({"tokens", "--app=a", "--uid=u", "--colour=red"}, "unknown flag --colour");
  ExpectUsageError({"tokens", "--uid=u", "--app"}, "--app needs a value");
  ExpectUsageError({"tokens", "--uid=u"}, "--app is required");

  for (std::vector<std::string> help :
       {std::vector<std::string>{"--help"}, {"-h"}, {"help"}, {"tokens", "--help"}}) {
    auto h = Parse(help);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->command, Command::kHelp);
  }
  EXPECT_THAT(Usage(), HasSubstr("unregister"));
}

}  // namespace
}  // namespace pushgate::ctl
