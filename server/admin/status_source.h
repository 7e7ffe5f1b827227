// Fills the status page's views from the store, the config and the metrics registry. This is
// the admin module's only use of the store (the status reads the Deliveries service uses:
// Stats, ListNotifications, GetNotification), kept in one file so it is easy to re-point.
#ifndef PUSHGATE_ADMIN_STATUS_SOURCE_H_
#define PUSHGATE_ADMIN_STATUS_SOURCE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "admin/status_page.h"
#include "config/config.h"
#include "metrics/registry.h"
#include "store/status_store.h"

namespace pushgate::admin {

// The app's configured channels, and what is known of their credentials. Nothing checks
// credentials yet, so health says "not checked", plus the pushes a provider refused for our
// credentials since start (`config_errors`: channel → count, from
// pushgate_provider_config_errors_total). Pure.
std::vector<ChannelView> ConfiguredChannels(const config::App& app,
                                            const std::map<std::string, uint64_t>& config_errors);

// The last hour's most frequent reasons of deliveries that did not (yet) succeed, most
// frequent first, at most `limit`. Pure.
Counts TopReasons(const std::map<std::string, int64_t>& by_reason, size_t limit);

class StatusSource {
 public:
  // All three must outlive this.
  StatusSource(store::StatusStore* store, const config::Config* config,
               const metrics::Registry* metrics)
      : store_(store), config_(config), metrics_(metrics) {}

  // Every configured app's counts over the hour before now_ms, its queue and its channels.
  std::vector<AppView> ReadApps(int64_t now_ms) const;

  // The uid's most recent notifications in the app, with every delivery's state. A bad query
  // (unknown app, empty or overlong uid) comes back in `error`.
  UserSearchView SearchUser(const std::string& app_id, const std::string& uid) const;

  std::vector<std::string> AppIds() const;

 private:
  store::StatusStore* const store_;
  const config::Config* const config_;
  const metrics::Registry* const metrics_;
};

}  // namespace pushgate::admin

#endif  // PUSHGATE_ADMIN_STATUS_SOURCE_H_
