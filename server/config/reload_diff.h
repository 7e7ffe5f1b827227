// What a SIGHUP reload may change while pushgate runs, and what needs a restart. Applied at
// once to new requests: webhook credentials and HMAC secrets, API keys, roles and rate limits,
// the Basic Auth lockout limits, the HTTP TLS certificate, log_level, and every app's
// provider settings (the engine rebuilds its providers; apps added or removed included).
// Everything else (the listeners, data_dir, the store, the engine's own settings, retention)
// is bound at start: a reload keeps the running value and reports the setting.
#ifndef PUSHGATE_CONFIG_RELOAD_DIFF_H_
#define PUSHGATE_CONFIG_RELOAD_DIFF_H_

#include <string>
#include <vector>

#include "config/config.h"

namespace pushgate::config {

// Names (JSON paths) of the settings that differ between `running` and `loaded` but only take
// effect after a restart, e.g. {"data_dir", "grpc (listener settings)"}. Empty when a reload
// applies everything that changed.
std::vector<std::string> SettingsNeedingRestart(const Config& running, const Config& loaded);

}  // namespace pushgate::config

#endif  // PUSHGATE_CONFIG_RELOAD_DIFF_H_
