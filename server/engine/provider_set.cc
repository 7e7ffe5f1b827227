#include "engine/provider_set.h"

#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "providers/apns_provider.h"
#include "providers/apns_token_cache.h"
#include "providers/fcm_provider.h"
#include "providers/forward_hook_provider.h"
#include "providers/http2_client.h"
#include "providers/jwt_es256.h"
#include "providers/log_provider.h"
#include "providers/webpush_provider.h"

namespace pushgate::engine {
namespace {

using domain::Channel;

// Stands in for a provider whose credentials failed to load.
class UnusableProvider final : public providers::Provider {
 public:
  explicit UnusableProvider(std::string why) : why_(std::move(why)) {}
  void Send(const providers::SendRequest&,
            std::function<void(providers::SendResult)> done) override {
    providers::SendResult r;
    r.outcome = providers::Outcome::kConfigError;
    r.reason = why_;
    done(std::move(r));
  }

 private:
  const std::string why_;
};

struct AppProviders {
  AppChannels channels;
  std::unique_ptr<providers::Provider> apns;
  std::unique_ptr<providers::Provider> fcm;
  std::unique_ptr<providers::Provider> webpush;
  std::unique_ptr<providers::Provider> log;
  std::unique_ptr<providers::Provider> hooks;  // every forward hook of the app
};

class ConfiguredProviderSet final : public ProviderSet {
 public:
  providers::Provider* Find(const std::string& app_id, Channel channel) override {
    auto it = apps_.find(app_id);
    if (it == apps_.end()) return nullptr;
    AppProviders& app = it->second;
    switch (channel) {
      case Channel::kApns:
      case Channel::kApnsVoip:
        return app.apns.get();
      case Channel::kFcm:
        return app.fcm.get();
      case Channel::kWebPush:
        return app.webpush.get();
      case Channel::kLog:
        return app.log.get();
      case Channel::kWebhook:
        return app.hooks.get();
      default:
        return nullptr;
    }
  }

  AppChannels ChannelsOf(const std::string& app_id) const override {
    auto it = apps_.find(app_id);
    return it == apps_.end() ? AppChannels{} : it->second.channels;
  }

  void Shutdown() override {
    if (client_) client_->Shutdown();
  }

  absl::Status Build(const config::Config& config) {
    for (const config::App& app : config.apps) {
      AppProviders& out = apps_[app.app_id];
      if (app.log_channel) {
        out.channels.log_channel = true;
        out.log = std::make_unique<providers::LogProvider>();
      }
      if (!app.forward_hooks.empty()) {
        if (absl::Status s = EnsureClient(config); !s.ok()) return s;
        if (absl::Status s = AddForwardHooks(app, out); !s.ok()) return s;
      }
      if (app.apns) {
        out.channels.apns = true;
        if (absl::Status s = EnsureClient(config); !s.ok()) return s;
        auto provider = MakeApns(config, *app.apns);
        out.apns = ProviderOrUnusable(std::move(provider), app.app_id, "apns", "APNs credentials");
      }
      if (app.fcm) {
        out.channels.fcm = true;
        if (absl::Status s = EnsureClient(config); !s.ok()) return s;
        auto provider = MakeFcm(config, app.app_id, *app.fcm);
        out.fcm = ProviderOrUnusable(std::move(provider), app.app_id, "fcm", "FCM service account");
      }
      if (app.webpush) {
        out.channels.webpush = true;
        if (absl::Status s = EnsureClient(config); !s.ok()) return s;
        auto provider = MakeWebPush(config, app.app_id, *app.webpush);
        out.webpush =
            ProviderOrUnusable(std::move(provider), app.app_id, "webpush", "Web Push VAPID key");
      }
    }
    return absl::OkStatus();
  }

 private:
  // One HTTP/2 client for every provider of every app, started when the first app needs it:
  // connections are pooled per endpoint and credentials inside it, and max_in_flight bounds
  // the whole process.
  absl::Status EnsureClient(const config::Config& config) {
    if (client_) return absl::OkStatus();
    providers::Http2ClientOptions options;
    options.max_in_flight = static_cast<size_t>(std::max(1, config.engine.max_in_flight));
    auto client = providers::StartHttp2Client(options);
    if (!client.ok()) return client.status();
    client_ = *std::move(client);
    return absl::OkStatus();
  }

  // The planner's routes and the provider for the app's forward hooks.
  absl::Status AddForwardHooks(const config::App& app, AppProviders& out) {
    std::vector<providers::ForwardHookTarget> targets;
    for (const config::ForwardHook& hook : app.forward_hooks) {
      out.channels.hooks.push_back(HookRoute{hook.name, hook.types, hook.call_actions});
      providers::ForwardHookTarget t;
      t.name = hook.name;
      t.url = hook.url;
      if (hook.hmac) {
        t.signing.header = hook.hmac->header;
        t.signing.secret = hook.hmac->secret.value;
      } else {
        // Allowed, but the receiver cannot tell our requests from anyone else's.
        LogWarn("forward_hook_unsigned", {{"app", app.app_id}, {"hook", hook.name}});
      }
      t.tls.ca_file = hook.ca_file;
      t.tls.resolve = hook.resolve;
      t.timeout = absl::Milliseconds(hook.timeout_ms);
      targets.push_back(std::move(t));
    }
    auto provider =
        providers::ForwardHookProvider::Create(app.app_id, client_.get(), std::move(targets));
    if (!provider.ok()) return provider.status();
    out.hooks = *std::move(provider);
    return absl::OkStatus();
  }

  // Credentials that cannot be used must not stop the other apps, nor lose this app's
  // notifications: they wait as config errors until an operator fixes the config.
  static std::unique_ptr<providers::Provider> ProviderOrUnusable(
      absl::StatusOr<std::unique_ptr<providers::Provider>> provider, const std::string& app_id,
      const std::string& channel, const std::string& what) {
    if (provider.ok()) return *std::move(provider);
    const std::string why(provider.status().message());
    LogError(channel + "_provider_unusable", {{"app", app_id}, {"why", why}});
    return std::make_unique<UnusableProvider>(absl::StrCat(what, ": ", why));
  }

  absl::StatusOr<std::unique_ptr<providers::Provider>> MakeFcm(const config::Config& config,
                                                               const std::string& app_id,
                                                               const config::FcmConfig& fcm) {
    providers::FcmProviderOptions o;
    o.service_account_json = fcm.service_account.value;
    if (!fcm.fcm_url.empty()) o.endpoints.fcm_url = fcm.fcm_url;
    o.endpoints.token_uri = fcm.token_uri;
    o.endpoints.tls.ca_file = fcm.ca_file;
    o.endpoints.tls.resolve = fcm.resolve;
    o.build.android_channel_id = fcm.android_channel_id;
    o.build.sound = fcm.sound;
    // As for APNs: a call FCM would deliver after we stop trying is a call ringing late.
    o.build.call_ttl = absl::Seconds(config.engine.call_expiry_seconds);
    o.request_timeout = absl::Milliseconds(config.engine.request_timeout_ms);
    auto provider = providers::FcmProvider::Create(client_.get(), std::move(o));
    if (!provider.ok()) return provider.status();
    // The project id tells an operator which Firebase project this app sends as; the service
    // account's key never leaves the provider.
    LogInfo("fcm_provider_ready", {{"app", app_id},
                                   {"project", (*provider)->project_id()},
                                   {"service_account", fcm.service_account.source}});
    return std::unique_ptr<providers::Provider>(std::move(*provider));
  }

  absl::StatusOr<std::unique_ptr<providers::Provider>> MakeWebPush(
      const config::Config& config, const std::string& app_id,
      const config::WebPushConfig& webpush) {
    providers::WebPushProviderOptions o;
    o.vapid_private_key_pem = webpush.vapid_private_key.value;
    o.vapid_subject = webpush.subject;
    o.endpoint_policy.allow_loopback = webpush.allow_loopback_endpoints;
    o.endpoint_policy.allow_private = webpush.allow_private_endpoints;
    o.tls.ca_file = webpush.ca_file;
    o.tls.resolve = webpush.resolve;
    // As for APNs and FCM: a ring the push service keeps after we stop trying rings late.
    o.build.call_ttl = absl::Seconds(config.engine.call_expiry_seconds);
    o.request_timeout = absl::Milliseconds(config.engine.request_timeout_ms);
    auto provider = providers::WebPushProvider::Create(client_.get(), std::move(o));
    if (!provider.ok()) return provider.status();
    // Not a secret: the key browsers must subscribe with (applicationServerKey), logged so an
    // operator can hand it to the web app.
    LogInfo("webpush_vapid_public_key", {{"app", app_id},
                                         {"public_key", (*provider)->public_key()},
                                         {"vapid_key", webpush.vapid_private_key.source}});
    return std::unique_ptr<providers::Provider>(std::move(*provider));
  }

  absl::StatusOr<std::unique_ptr<providers::Provider>> MakeApns(const config::Config& config,
                                                                const config::ApnsConfig& apns) {
    providers::ApnsProviderOptions o;
    o.credentials.team_id = apns.team_id;
    o.credentials.key_id = apns.key_id;
    o.credentials.p8_key_pem = apns.p8_key.value;
    o.credentials.cert_file = apns.cert_file;
    o.credentials.cert_key_file = apns.cert_key_file;
    o.credentials.bundle_id = apns.bundle_id;
    if (!apns.production_url.empty()) o.endpoints.production_url = apns.production_url;
    if (!apns.sandbox_url.empty()) o.endpoints.sandbox_url = apns.sandbox_url;
    o.endpoints.tls.ca_file = apns.ca_file;
    o.endpoints.tls.resolve = apns.resolve;
    // A ringing call that APNs would deliver after we stop trying is as late as one we send
    // late ourselves.
    o.build.call_ttl = absl::Seconds(config.engine.call_expiry_seconds);
    o.request_timeout = absl::Milliseconds(config.engine.request_timeout_ms);
    if (!apns.p8_key.value.empty()) {
      auto cache = SharedTokenCache(apns);
      if (!cache.ok()) return cache.status();
      o.token_cache = *std::move(cache);
    }
    auto provider = providers::ApnsProvider::Create(client_.get(), std::move(o));
    if (!provider.ok()) return provider.status();
    return std::unique_ptr<providers::Provider>(std::move(*provider));
  }

  // One JWT per key in the process, however many apps use it.
  absl::StatusOr<std::shared_ptr<providers::ApnsTokenCache>> SharedTokenCache(
      const config::ApnsConfig& apns) {
    const std::string id = absl::StrCat(apns.team_id, "/", apns.key_id);
    auto it = token_caches_.find(id);
    if (it != token_caches_.end()) return it->second;
    auto key = providers::LoadEcPrivateKeyPem(apns.p8_key.value);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(".p8 key: ", key.status().message()));
    }
    auto cache =
        std::make_shared<providers::ApnsTokenCache>(apns.key_id, apns.team_id, *std::move(key));
    token_caches_[id] = cache;
    return cache;
  }

  std::unique_ptr<providers::Http2Client> client_;
  std::map<std::string, std::shared_ptr<providers::ApnsTokenCache>> token_caches_;
  // Declared after client_: providers go first, the client they point at after them.
  absl::flat_hash_map<std::string, AppProviders> apps_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ProviderSet>> BuildProviderSet(const config::Config& config) {
  auto set = std::make_unique<ConfiguredProviderSet>();
  if (absl::Status s = set->Build(config); !s.ok()) return s;
  return std::unique_ptr<ProviderSet>(std::move(set));
}

}  // namespace pushgate::engine
