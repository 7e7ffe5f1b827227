// libFuzzer target for everything the webhook does with untrusted bytes before the store:
// the envelope parser and validator, the Basic credentials parser, the signature check, the
// content-type check and the dedupe key. Besides crashes and sanitizer reports it checks the
// parser's promises: an accepted envelope always satisfies the documented rules.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "webhook/basic_auth.h"
#include "webhook/content_type.h"
#include "webhook/dedupe.h"
#include "webhook/envelope.h"
#include "webhook/signature.h"

namespace {

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace pushgate::webhook;

  absl::StatusOr<Envelope> envelope = ParseEnvelope(input);
  if (envelope.ok()) {
    Require(!envelope->app_id.empty());
    Require(!envelope->uid.empty() && envelope->uid.size() <= kMaxUidBytes);
    Require(envelope->type == "chat" || envelope->type == "call");
    if (envelope->type == "call") {
      Require(IsKnownCallAction(envelope->call_action));
      Require(!envelope->call_session_id.empty());
    } else {
      Require(envelope->call_action.empty() && envelope->call_session_id.empty());
    }
  } else {
    Require(envelope.status().code() == absl::StatusCode::kInvalidArgument);
    Require(!envelope.status().message().empty());
  }

  // The same bytes as header values.
  if (auto credentials = ParseBasicAuthorization(input)) {
    Require(credentials->username.find(':') == std::string::npos);
  }
  (void)IsJsonContentType(input);
  const size_t half = size / 2;
  (void)VerifyBodySignature(input.substr(0, half), input.substr(half), input);
  (void)DedupeHash(input);
  return 0;
}
