#include "providers/fcm_service_account.h"

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pushgate::providers {
namespace {

absl::StatusOr<std::string> RequiredString(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    return absl::InvalidArgumentError(
        absl::StrCat("FCM service account JSON: missing field '", field, "'"));
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("FCM service account JSON: field '", field, "' must be a non-empty string"));
  }
  return it->get<std::string>();
}

}  // namespace

absl::StatusOr<FcmServiceAccount> ParseFcmServiceAccount(std::string_view json_text) {
  // The text holds a private key: parse errors must not echo it, so only the position is kept.
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return absl::InvalidArgumentError("FCM service account: not a JSON object");
  }
  auto type = RequiredString(j, "type");
  if (!type.ok()) return type.status();
  if (*type != "service_account") {
    return absl::InvalidArgumentError(absl::StrCat("FCM service account JSON: type is '", *type,
                                                   "', expected 'service_account'"));
  }
  FcmServiceAccount sa;
  struct Field {
    const char* name;
    std::string* out;
  };
  std::string pem;
  for (const Field& f :
       {Field{"project_id", &sa.project_id}, Field{"private_key_id", &sa.private_key_id},
        Field{"private_key", &pem}, Field{"client_email", &sa.client_email},
        Field{"token_uri", &sa.token_uri}}) {
    auto v = RequiredString(j, f.name);
    if (!v.ok()) return v.status();
    *f.out = *std::move(v);
  }
  // The JSON parser already turned the "\n" escapes into newlines, which PEM needs.
  auto key = LoadRsaPrivateKeyPem(pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("FCM service account JSON: private_key: ", key.status().message()));
  }
  sa.private_key = *std::move(key);
  return sa;
}

}  // namespace pushgate::providers
