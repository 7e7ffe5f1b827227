#include "grpc/call_context.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace pushgate::grpc_api {

absl::StatusOr<Principal> AuthenticateCall(const ApiKeyAuthenticator& auth,
                                           grpc::ServerContextBase& context) {
  std::vector<std::string_view> values;
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range("authorization");
  for (auto it = begin; it != end; ++it) {
    values.emplace_back(it->second.data(), it->second.size());
  }
  absl::StatusOr<Principal> principal = auth.Authenticate(values);
  if (!principal.ok()) return principal;
  int64_t retry_after_ms = 0;
  if (absl::Status admitted = auth.AdmitRate(*principal, &retry_after_ms); !admitted.ok()) {
    context.AddTrailingMetadata(kRetryAfterMsMetadata, absl::StrCat(retry_after_ms));
    Log(LogLevel::kDebug, "grpc_rate_limited", {{"key", principal->key_name}});
    auth.CountRateLimited(principal->key_name);
    return admitted;
  }
  return principal;
}

absl::Status PublicStoreError(const absl::Status& status, std::string_view rpc) {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss: {
      const std::string code = absl::StatusCodeToString(status.code());
      const std::string_view message(status.message().data(), status.message().size());
      LogError("grpc_store_error", {{"rpc", rpc}, {"code", code}, {"error", message}});
      return absl::Status(status.code(), "internal error; see the server log");
    }
    default:
      return status;
  }
}

}  // namespace pushgate::grpc_api
