// The dedupe key of a webhook payload.
//
// It is the first 8 bytes (big-endian) of SHA-256 over the raw request body, as a signed
// int64 for the store's INTEGER column. appId and data.to.uid are inside the body, so two
// payloads share a key only when they are byte-identical: the same event for the same app and
// recipient. That is what a CometChat redelivery (or a retry caused by our own slow answer)
// looks like. Two different events never collide in practice (64 bits, ~2^-64 per pair;
// the store only compares keys within its dedupe window).
//
// Deliberately not a hash of chosen fields: a re-sent message with edited text or a new
// sentAt is a new event and must be delivered again.
#ifndef PUSHGATE_WEBHOOK_DEDUPE_H_
#define PUSHGATE_WEBHOOK_DEDUPE_H_

#include <cstdint>
#include <string_view>

namespace pushgate::webhook {

int64_t DedupeHash(std::string_view raw_body);

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_DEDUPE_H_
