// Deliveries.PreviewNotification: for a webhook body (and optionally another recipient), the
// exact request each provider would receive for each of the recipient's active registrations
// and each of the app's forward hooks that takes it, built by the code that sends (rules,
// planner, the providers' pure builders), with credentials redacted. Nothing is stored, nothing
// is sent, no token or provider state is touched.
#ifndef PUSHGATE_ENGINE_PREVIEW_H_
#define PUSHGATE_ENGINE_PREVIEW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "engine/planner.h"
#include "engine/provider_set.h"
#include "providers/provider.h"
#include "store/types.h"

namespace pushgate::engine {

// Stands in for the push id of a previewed device push (made per attempt when sent).
inline constexpr char kPreviewPushId[] = "00000000-0000-8000-8000-000000000000";

struct DeliveryPreview {
  int64_t registration_id = 0;  // 0 for a forward hook
  std::string hook;             // the forward hook's name
  store::Channel channel = store::Channel::kLog;
  std::string target_hint;
  // Why nothing would be sent ("expired", "no_provider", "dropped_by_rule", or the builder's
  // refusal); empty when `request` is what would go out.
  std::string skipped_reason;
  providers::RequestPreview request;
};

struct NotificationPreview {
  std::string kind;                        // rules.h EventKindOf
  std::vector<std::string> rules_applied;  // "drop_kinds", "privacy", "extra_data", "overrides"
  std::vector<DeliveryPreview> deliveries;
};

// `payload` must be a webhook body of `app_id` (INVALID_ARGUMENT naming the field otherwise);
// `uid` replaces its recipient when not empty; `active` are that recipient's active
// registrations.
absl::StatusOr<NotificationPreview> PreviewNotification(
    const std::string& app_id, const std::string& uid, const std::string& payload,
    const std::vector<store::Registration>& active, const config::RulesConfig& rules,
    ProviderSet& providers, const PlanOptions& plan, int64_t now_ms);

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_PREVIEW_H_
