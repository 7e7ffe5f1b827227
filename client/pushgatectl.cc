// pushgatectl: the command-line face of the client library. Parsing and printing live in
// pushgatectl_args / pushgatectl_output; this file only runs the chosen command.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "pushgate_client.h"
#include "pushgate_version_info.h"  // generated: PUSHGATE_VERSION, PUSHGATE_GIT_COMMIT
#include "pushgatectl_args.h"
#include "pushgatectl_output.h"

namespace {

namespace pb = ::pushgate::v1;
using pushgate::ctl::CtlArgs;

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// Prints the response (or the error) and returns the exit code.
template <typename Response, typename Format>
int Print(const absl::StatusOr<Response>& result, bool json, Format format) {
  if (!result.ok()) {
    std::cerr << pushgate::ctl::FormatError(result.status());
    return 1;
  }
  std::cout << (json ? pushgate::ctl::ToJson(*result) : format(*result));
  return 0;
}

int Run(const CtlArgs& args) {
  if (args.command == pushgate::ctl::Command::kHelp) {
    std::cout << pushgate::ctl::Usage();
    return 0;
  }
  pushgate::client::ClientOptions options;
  options.address = args.address;
  options.api_key = args.api_key;
  options.timeout = args.timeout;
  options.tls = args.tls;
  absl::StatusOr<std::unique_ptr<pushgate::client::PushgateClient>> opened =
      pushgate::client::PushgateClient::Open(options);
  if (!opened.ok()) {
    std::cerr << "pushgatectl: " << opened.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<pushgate::client::PushgateClient> client = *std::move(opened);

  switch (args.command) {
    case pushgate::ctl::Command::kRegister:
      return Print(client->RegisterToken(pushgate::ctl::BuildRegisterRequest(args)), args.json,
                   pushgate::ctl::FormatRegistered);
    case pushgate::ctl::Command::kUnregister:
      switch (args.unregister_by) {
        case pushgate::ctl::UnregisterBy::kToken:
          return Print(client->UnregisterToken(pushgate::ctl::BuildUnregisterTokenRequest(args)),
                       args.json,
                       [](const auto& r) { return pushgate::ctl::FormatEnded(r.ended_count()); });
        case pushgate::ctl::UnregisterBy::kSession:
          return Print(
              client->UnregisterSession(pushgate::ctl::BuildUnregisterSessionRequest(args)),
              args.json, [](const auto& r) { return pushgate::ctl::FormatEnded(r.ended_count()); });
        case pushgate::ctl::UnregisterBy::kUser:
          return Print(client->UnregisterUser(pushgate::ctl::BuildUnregisterUserRequest(args)),
                       args.json,
                       [](const auto& r) { return pushgate::ctl::FormatEnded(r.ended_count()); });
      }
      return 2;
    case pushgate::ctl::Command::kTokens: {
      pb::ListTokensRequest request = pushgate::ctl::BuildListTokensRequest(args);
      return Print(args.all_pages ? client->ListAllTokens(request) : client->ListTokens(request),
                   args.json, pushgate::ctl::FormatTokens);
    }
    case pushgate::ctl::Command::kStatus:
      return Print(client->GetNotification(pushgate::ctl::BuildGetNotificationRequest(args)),
                   args.json, pushgate::ctl::FormatNotification);
    case pushgate::ctl::Command::kList:
      return Print(client->ListNotifications(
                       pushgate::ctl::BuildListNotificationsRequest(args, absl::Now())),
                   args.json, pushgate::ctl::FormatNotifications);
    case pushgate::ctl::Command::kStats:
      return Print(client->GetStats(pushgate::ctl::BuildGetStatsRequest(args)), args.json,
                   pushgate::ctl::FormatStats);
    case pushgate::ctl::Command::kPreview: {
      std::ifstream in(args.file, std::ios::binary);
      if (!in) {
        std::cerr << "pushgatectl: cannot read " << args.file << "\n";
        return 2;
      }
      std::stringstream payload;
      payload << in.rdbuf();
      return Print(
          client->PreviewNotification(pushgate::ctl::BuildPreviewRequest(args, payload.str())),
          args.json, pushgate::ctl::FormatPreview);
    }
    case pushgate::ctl::Command::kRetry:
      return Print(client->RetryNotification(pushgate::ctl::BuildRetryRequest(args, absl::Now())),
                   args.json, pushgate::ctl::FormatRedriven);
    case pushgate::ctl::Command::kWatch: {
      // Ctrl-C ends the process (the default action): the server sees the stream go away.
      absl::Status s = client->WatchNotifications(
          pushgate::ctl::BuildWatchRequest(args), [&](const pb::NotificationEvent& e) {
            std::cout << (args.json ? pushgate::ctl::ToJson(e) : pushgate::ctl::FormatEvent(e))
                      << std::flush;
            return true;
          });
      if (!s.ok()) {
        std::cerr << pushgate::ctl::FormatError(s);
        return 1;
      }
      return 0;
    }
    case pushgate::ctl::Command::kHelp:
      break;  // answered above, without a channel
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "--version") {
    std::cout << "pushgatectl " PUSHGATE_VERSION " (commit " PUSHGATE_GIT_COMMIT ")\n";
    return 0;
  }
  absl::StatusOr<CtlArgs> parsed = pushgate::ctl::ParseArgs(args, ProcessEnv);
  if (!parsed.ok()) {
    std::cerr << "pushgatectl: " << parsed.status().message() << "\n"
              << "run 'pushgatectl --help' for usage\n";
    return 2;
  }
  return Run(*parsed);
}
