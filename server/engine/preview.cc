#include "engine/preview.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/planner.h"
#include "engine/rules.h"
#include "providers/notification_content.h"
#include "store/receipt_store.h"
#include "webhook/envelope.h"

namespace pushgate::engine {
namespace {

std::vector<std::string> RulesThatApply(const config::RulesConfig& rules, const std::string& kind) {
  std::vector<std::string> applied;
  if (DropsKind(rules, kind)) applied.push_back("drop_kinds");
  if (rules.privacy) applied.push_back("privacy");
  if (!rules.extra_data.empty()) applied.push_back("extra_data");
  if (rules.overrides.count("*") > 0 || rules.overrides.count(kind) > 0) {
    applied.push_back("overrides");
  }
  return applied;
}

}  // namespace

absl::StatusOr<NotificationPreview> PreviewNotification(
    const std::string& app_id, const std::string& uid, const std::string& payload,
    const std::vector<store::Registration>& active, const config::RulesConfig& rules,
    ProviderSet& providers, const PlanOptions& plan, int64_t now_ms) {
  // As the webhook would take it: the same checks, the same messages.
  absl::StatusOr<webhook::Envelope> envelope = webhook::ParseEnvelope(payload);
  if (!envelope.ok()) return envelope.status();
  if (envelope->app_id != app_id) {
    return absl::InvalidArgumentError("payload: its appId is not the app_id of the request");
  }
  absl::StatusOr<providers::NotificationContent> parsed = providers::ParseStoredPayload(payload);
  if (!parsed.ok()) return parsed.status();
  parsed->received_at_ms = now_ms;
  parsed->raw_payload = payload;
  if (!uid.empty()) parsed->uid = uid;

  NotificationPreview out;
  out.kind = EventKindOf(*parsed);
  out.rules_applied = RulesThatApply(rules, out.kind);
  RuledContent ruled = ApplyRules(rules, *std::move(parsed));

  store::NotificationRecord record;
  record.app_id = app_id;
  record.uid = ruled.content.uid;
  record.type = envelope->type;
  record.call_action = envelope->call_action;
  record.received_at_ms = now_ms;
  const std::vector<store::PlannedDelivery> planned =
      PlanDeliveries(record, active, providers.ChannelsOf(app_id), plan, now_ms);

  for (const store::PlannedDelivery& p : planned) {
    DeliveryPreview d;
    d.registration_id = p.registration_id;
    d.hook = p.hook;
    d.channel = p.channel;
    d.target_hint = p.target_hint;
    if (p.state == store::DeliveryState::kSkipped) {
      d.skipped_reason = p.reason;
    } else if (ruled.dropped) {
      d.skipped_reason = kReasonDroppedByRule;
    } else if (providers::Provider* provider = providers.Find(app_id, p.channel);
               provider == nullptr) {
      d.skipped_reason = kReasonNoProvider;
    } else {
      providers::SendRequest request;
      request.app_id = app_id;
      request.content = &ruled.content;
      request.hook = p.hook;
      request.attempt_number = 1;
      // A real push id is made per attempt at send time; the placeholder has its shape, so the
      // body's size and layout are as sent.
      if (!store::ReceiptPlatform(p.channel, "").empty()) {
        request.push_id = kPreviewPushId;
        request.attempt_id = kPreviewPushId;
      }
      for (const store::Registration& r : active) {
        if (r.id == p.registration_id) request.registration = r;
      }
      absl::StatusOr<providers::RequestPreview> built = provider->Preview(request);
      if (built.ok()) {
        d.request = *std::move(built);
      } else {
        d.skipped_reason = std::string(built.status().message());
      }
    }
    out.deliveries.push_back(std::move(d));
  }
  return out;
}

}  // namespace pushgate::engine
