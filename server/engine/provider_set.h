// The providers of every app, built once at start from the configuration: which channels an
// app can send on, and the Provider for each. The engine only sees this interface, so its tests
// plug in fakes.
#ifndef PUSHGATE_ENGINE_PROVIDER_SET_H_
#define PUSHGATE_ENGINE_PROVIDER_SET_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "domain/delivery.h"
#include "engine/planner.h"
#include "providers/provider.h"

namespace pushgate::engine {

class ProviderSet {
 public:
  virtual ~ProviderSet() = default;
  // Null when the app has no provider for the channel.
  virtual providers::Provider* Find(const std::string& app_id, domain::Channel channel) = 0;
  virtual AppChannels ChannelsOf(const std::string& app_id) const = 0;
  // Ends outbound I/O: everything still in flight completes (with a transport error) before
  // this returns, and no callback runs afterwards.
  virtual void Shutdown() = 0;
};

// For every app: APNs (apns and apns_voip channels) when it has `apns` credentials, over one
// shared HTTP/2 client, with one provider-token cache per (key id, team id) so the process signs
// one JWT per key (protocols.md §2.3); FCM (fcm channel, Android, iOS and web FCM tokens) when
// it has an `fcm` service account, on the same client; the log channel when it has
// `log_channel`; Web Push (webpush channel) when it has a `webpush` VAPID key, on the same
// client, its public key logged at start for the web app. An app whose APNs, FCM or Web Push
// credentials cannot be used (unreadable key, broken service-account JSON, ...) gets a provider
// that answers every push with ConfigError: the engine then alerts and retries instead of dropping
// the app's notifications, and the rest of the apps start normally. An app's forward hooks share
// one provider (channel webhook) over the same client, and their filters go to the planner. Errors:
// UNAVAILABLE when the HTTP/2 client cannot start.
absl::StatusOr<std::unique_ptr<ProviderSet>> BuildProviderSet(const config::Config& config);

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_PROVIDER_SET_H_
