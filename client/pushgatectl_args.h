// pushgatectl's command line: parsed by hand into a plain struct (pure, so it is unit-tested
// without a process environment), and turned into request messages.
//
//   pushgatectl [flags] register|unregister|tokens [flags]
//   pushgatectl [flags] status <id> | list | watch | stats | retry | preview [flags]
//
// Flags take `--name=value` or `--name value`; '-' and '_' are interchangeable in names.
#ifndef PUSHGATE_CLIENT_PUSHGATECTL_ARGS_H_
#define PUSHGATE_CLIENT_PUSHGATECTL_ARGS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pushgate/v1/deliveries.pb.h"
#include "pushgate/v1/token_registry.pb.h"
#include "pushgate_client.h"

namespace pushgate::ctl {

enum class Command {
  kHelp,
  kRegister,
  kUnregister,
  kTokens,
  // Deliveries
  kStatus,
  kList,
  kWatch,
  kStats,
  kRetry,
  kPreview,
};
enum class UnregisterBy { kToken, kSession, kUser };

struct CtlArgs {
  Command command = Command::kHelp;
  // Connection.
  std::string address;  // --address, else $PUSHGATE_ADDRESS, else 127.0.0.1:50051
  std::string api_key;  // --api_key, else $PUSHGATE_API_KEY
  pushgate::client::ClientTlsOptions tls;  // --tls, --ca_file, --cert_file, --key_file
  absl::Duration timeout = absl::Seconds(10);
  bool json = false;
  // What.
  std::string app;
  std::string uid;
  std::string session;
  pushgate::v1::Platform platform = pushgate::v1::PLATFORM_UNSPECIFIED;
  std::string token;
  // register
  std::string topic;
  pushgate::v1::ApnsEnvironment environment = pushgate::v1::APNS_ENVIRONMENT_UNSPECIFIED;
  pushgate::v1::DeviceOs fcm_os = pushgate::v1::DEVICE_OS_UNSPECIFIED;
  std::string p256dh;
  std::string auth;
  std::string device_id;
  // unregister
  UnregisterBy unregister_by = UnregisterBy::kToken;
  // tokens
  int page_size = 0;
  std::string page_token;
  bool all_pages = false;
  bool active_only = false;
  // status, retry: the notification id (`status <id>` or --id)
  std::string id;
  // list filters
  pushgate::v1::NotificationState state = pushgate::v1::NOTIFICATION_STATE_UNSPECIFIED;
  pushgate::v1::NotificationType type = pushgate::v1::NOTIFICATION_TYPE_UNSPECIFIED;
  pushgate::v1::NotificationOutcome outcome = pushgate::v1::NOTIFICATION_OUTCOME_UNSPECIFIED;
  // list --since/--until, retry --since: an RFC 3339 time, or a duration ("1h") before now.
  std::optional<absl::Time> since;
  std::optional<absl::Duration> since_ago;
  std::optional<absl::Time> until;
  std::optional<absl::Duration> until_ago;
  // stats
  absl::Duration window = absl::ZeroDuration();  // 0: the server's default (1 h)
  // preview: the webhook body's file
  std::string file;
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// `args` excludes the program name. INVALID_ARGUMENT with a message for the user on error.
absl::StatusOr<CtlArgs> ParseArgs(const std::vector<std::string>& args, const EnvLookup& env);

std::string Usage();

pushgate::v1::RegisterTokenRequest BuildRegisterRequest(const CtlArgs& args);
pushgate::v1::UnregisterTokenRequest BuildUnregisterTokenRequest(const CtlArgs& args);
pushgate::v1::UnregisterSessionRequest BuildUnregisterSessionRequest(const CtlArgs& args);
pushgate::v1::UnregisterUserRequest BuildUnregisterUserRequest(const CtlArgs& args);
pushgate::v1::ListTokensRequest BuildListTokensRequest(const CtlArgs& args);
pushgate::v1::GetNotificationRequest BuildGetNotificationRequest(const CtlArgs& args);
// `now` resolves --since/--until given as durations.
pushgate::v1::ListNotificationsRequest BuildListNotificationsRequest(const CtlArgs& args,
                                                                     absl::Time now);
pushgate::v1::WatchNotificationsRequest BuildWatchRequest(const CtlArgs& args);
pushgate::v1::GetStatsRequest BuildGetStatsRequest(const CtlArgs& args);
pushgate::v1::RetryNotificationRequest BuildRetryRequest(const CtlArgs& args, absl::Time now);
// `payload`: the contents of --file.
pushgate::v1::PreviewNotificationRequest BuildPreviewRequest(const CtlArgs& args,
                                                             const std::string& payload);

}  // namespace pushgate::ctl

#endif  // PUSHGATE_CLIENT_PUSHGATECTL_ARGS_H_
