// The admin status page in a real browser: headless Chromium (Debian's `chromium`) loads it
// from the real binary after deliveries into the FCM fake, and the test checks what the page
// shows once its script has run: the chart's series, the queue, outcomes and failure reasons,
// the channels' health, and the "did user X get it?" search, with a uid that carries a
// <script> tag shown as text. Screenshots of the page and of a search are kept under the
// build directory (test-artifacts/status_page*.png) and named in the test's output.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include "gateway_fixture.h"
#include "gmock/gmock.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAdminUser[] = "ops";
constexpr char kAdminPassword[] = "browser-test-pass";
constexpr char kDeadToken[] = "android-token-dead:APA91bHexample";
constexpr char kScriptUid[] = "<script>document.title='pwned'</script>";

class StatusPageBrowserTest : public GatewayTest {
 protected:
  void SetUp() override {
    // A missing tool fails the test: a runner without it must not pass green.
    ASSERT_TRUE(fakes::HaveTool("chromium"))
        << "chromium is not installed: run tools/setup.sh (or apt-get install chromium)";
    ASSERT_TRUE(fakes::HaveTool("node") && fakes::HaveTool("openssl"))
        << "node and openssl are needed for the provider fakes: run tools/setup.sh";
    ASSERT_TRUE(fcm_.Start(Dir())) << "fake FCM did not start";
    WriteFile(Dir() + "/service-account.json", fcm_.ServiceAccountJson());
  }

  json Config() const {
    json config = BaseConfig({{"fcm", fcm_.AppConfig(Dir() + "/service-account.json")}});
    config["admin"] = {
        {"address", "127.0.0.1:0"},
        {"basic_auth", {{"username", kAdminUser}, {"password", {{"value", kAdminPassword}}}}}};
    return config;
  }

  int AdminPort() const {
    std::smatch m;
    const std::string out = server_->Stdout();
    if (!std::regex_search(out, m, std::regex(R"(pushgate admin listening admin_port=(\d+))"))) {
      ADD_FAILURE() << "no admin port in the output: " << out;
      return 0;
    }
    return std::stoi(m[1]);
  }

  std::string AdminUrl(const std::string& path, bool with_credentials = true) const {
    return "http://" +
           (with_credentials ? std::string(kAdminUser) + ":" + kAdminPassword + "@" : "") +
           "127.0.0.1:" + std::to_string(AdminPort()) + path;
  }

  // Runs headless Chromium with `mode` (--dump-dom or --screenshot=FILE) on `url` and returns
  // what it printed. The virtual time budget lets the page's script fetch /live once.
  std::string Chromium(const std::string& mode, const std::string& url) {
    const std::string profile = Dir() + "/chromium-profile";
    const std::string out = Dir() + "/chromium.out";
    const std::string cmd =
        "timeout 120 chromium --headless --no-sandbox --disable-gpu "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--no-first-run --disable-dev-shm-usage --user-data-dir='" +
        profile + "' --window-size=1280,1400 --virtual-time-budget=5000 " + mode + " '" + url +
        "' > '" + out + "' 2> '" + Dir() + "/chromium.err'";
    const int rc = std::system(cmd.c_str());
    EXPECT_EQ(rc, 0) << cmd << "\n" << ReadFile(Dir() + "/chromium.err");
    return ReadFile(out);
  }

  HttpResult AdminGet(const std::string& path) {
    return HttpRequest("GET", AdminUrl(path, false), "",
                       {BasicAuthHeader(kAdminUser, kAdminPassword)});
  }

  FakeFcm fcm_;
};

TEST_F(StatusPageBrowserTest, ChromiumShowsRatesQueueOutcomesChannelsAndTheUserSearch) {
  StartServer(Config());
  // alice has a phone that takes pushes and one whose token FCM no longer knows.
  fcm_.SetToken(kDeadToken, {{"status", 404}});
  RegisterFcm("alice", "pixel", kAndroidToken, v1::DEVICE_OS_ANDROID);
  RegisterFcm("alice", "old-phone", kDeadToken, v1::DEVICE_OS_ANDROID);
  // One at a time: the first retires the dead token, so the next two have one device each.
  for (int i = 0; i < 3; ++i) WaitDone(Post(ChatNumbered("alice", i)));
  WaitDone(Post(ChatPayloadFor(kScriptUid)));

  // Nothing of it answers without the admin credentials.
  for (const char* path : {"/", "/live", "/user?app=app123&uid=alice"}) {
    HttpResult anonymous = HttpGet(AdminUrl(path, false));
    EXPECT_EQ(anonymous.status, 401) << path;
    EXPECT_THAT(anonymous.body, Not(HasSubstr("alice")));
  }
  EXPECT_THAT(Chromium("--dump-dom", AdminUrl("/", false)), Not(HasSubstr("pushgate status")));

  // The chart samples every 10 s: wait for a sample that saw the pushes.
  ASSERT_TRUE(
      WaitFor([&] { return AdminGet("/live").body.find("pushes out: fcm") != std::string::npos; },
              std::chrono::seconds(40)))
      << AdminGet("/live").body;

  const std::string page = Chromium("--dump-dom", AdminUrl("/"));
  EXPECT_THAT(page, HasSubstr("pushgate status"));
  // The script ran under the page's policy and its authenticated fetch of /live came back.
  EXPECT_THAT(page, HasSubstr("data-state=\"live\"")) << page;
  EXPECT_THAT(page, HasSubstr("live, refreshed "));
  EXPECT_THAT(page, HasSubstr("<svg class=\"chart\""));
  EXPECT_THAT(page, HasSubstr("data-series=\"webhooks in\""));
  EXPECT_THAT(page, HasSubstr("data-series=\"pushes out: fcm\""));
  EXPECT_THAT(page, HasSubstr("<polyline"));
  EXPECT_THAT(page, HasSubstr("<b class=\"queue\">0</b>"));
  EXPECT_THAT(page, HasSubstr("<b class=\"oldest\">nothing waits</b>"));
  // 3 delivered to the pixel, 1 failed to the dead token; the fourth had no device.
  EXPECT_THAT(page, HasSubstr("<td>delivered</td><td class=\"n\">3</td>"));
  EXPECT_THAT(page, HasSubstr("<td>failed</td><td class=\"n\">1</td>"));
  EXPECT_THAT(page, HasSubstr("<td>UNREGISTERED</td><td class=\"n\">1</td>")) << page;
  EXPECT_THAT(page, HasSubstr("<td>fcm</td><td>service account (file:"));
  EXPECT_THAT(page, HasSubstr("<td class=\"health\">not checked</td>"));

  // "Did alice get it?"
  const std::string alice = Chromium("--dump-dom", AdminUrl("/user?app=app123&uid=alice"));
  EXPECT_THAT(alice, HasSubstr("<span class=\"uid\">alice</span>"));
  EXPECT_THAT(alice, HasSubstr("yes: delivered to 1 of 2"));  // the first, with the dead token
  EXPECT_THAT(alice, HasSubstr("yes: delivered to 1 of 1"));
  std::regex row("class=\"notification\"");
  EXPECT_EQ(
      std::distance(std::sregex_iterator(alice.begin(), alice.end(), row), std::sregex_iterator()),
      3);
  EXPECT_THAT(alice, HasSubstr("<td class=\"state\">delivered</td>"));
  EXPECT_THAT(alice, HasSubstr("<td class=\"state\">failed</td>"));

  // A uid carrying a script is text on the page: no script element, the title untouched.
  const std::string hostile = Chromium(
      "--dump-dom", AdminUrl("/user?app=app123&uid=%3Cscript%3Edocument.title%3D%27pwned%27%3C%2F"
                             "script%3E"));
  EXPECT_THAT(hostile, HasSubstr("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
  EXPECT_THAT(hostile, Not(HasSubstr("<script")));
  EXPECT_THAT(hostile, Not(HasSubstr("<title>pwned")));
  EXPECT_THAT(hostile, HasSubstr("no: no device or hook to deliver to"));

  // The screenshot, kept as the test's artifact.
  std::filesystem::create_directories(PUSHGATE_TEST_ARTIFACT_DIR);
  const std::string png = std::string(PUSHGATE_TEST_ARTIFACT_DIR) + "/status_page.png";
  std::filesystem::remove(png);
  Chromium("--screenshot=" + png, AdminUrl("/"));
  ASSERT_TRUE(std::filesystem::exists(png)) << "no screenshot at " << png;
  EXPECT_GT(std::filesystem::file_size(png), 20'000u);  // a drawn page, not a blank one
  EXPECT_EQ(ReadFile(png).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::printf("status page screenshot: %s\n", png.c_str());
  const std::string user_png = std::string(PUSHGATE_TEST_ARTIFACT_DIR) + "/status_page_user.png";
  std::filesystem::remove(user_png);
  Chromium("--screenshot=" + user_png, AdminUrl("/user?app=app123&uid=alice"));
  ASSERT_TRUE(std::filesystem::exists(user_png)) << "no screenshot at " << user_png;
  std::printf("user search screenshot: %s\n", user_png.c_str());
}

}  // namespace
}  // namespace pushgate::testing
