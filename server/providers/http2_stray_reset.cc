// See http2_stray_reset.h: why libcurl's resets of closed streams are dropped, and how.
#include "providers/http2_stray_reset.h"

#include <dlfcn.h>
#include <nghttp2/nghttp2.h>

#include <atomic>

namespace pushgate::providers::http2_internal {
namespace {

using SubmitRstStream = int (*)(nghttp2_session*, uint8_t, int32_t, uint32_t);

std::atomic<uint64_t> dropped_resets{0};

// libnghttp2's own definition: the next one after this executable's in the lookup order.
SubmitRstStream RealSubmitRstStream() {
  static const SubmitRstStream real =
      reinterpret_cast<SubmitRstStream>(dlsym(RTLD_NEXT, "nghttp2_submit_rst_stream"));
  return real;
}

// A client stream nghttp2 no longer tracks (closed and freed), or tracks as closed, or has not
// opened: a RST_STREAM for it resets nothing. Stream 0 is the connection, never ours to judge.
bool NothingToReset(nghttp2_session* session, int32_t stream_id) {
  if (session == nullptr || stream_id <= 0) return false;
  nghttp2_stream* stream = nghttp2_session_find_stream(session, stream_id);
  return stream == nullptr || nghttp2_stream_get_state(stream) == NGHTTP2_STREAM_STATE_CLOSED;
}

}  // namespace

int FilteredSubmitRstStream(nghttp2_session* session, uint8_t flags, int32_t stream_id,
                            uint32_t error_code) {
  if (NothingToReset(session, stream_id)) {
    dropped_resets.fetch_add(1, std::memory_order_relaxed);
    return 0;  // what nghttp2 returns for a queued reset: libcurl carries on as before
  }
  const SubmitRstStream real = RealSubmitRstStream();
  if (real == nullptr) return NGHTTP2_ERR_INVALID_STATE;  // libnghttp2 not loaded: cannot happen
  return real(session, flags, stream_id, error_code);
}

bool StrayResetFilterActive() {
  return dlsym(RTLD_DEFAULT, "nghttp2_submit_rst_stream") ==
         reinterpret_cast<void*>(&nghttp2_submit_rst_stream);
}

uint64_t StrayResetsDropped() { return dropped_resets.load(std::memory_order_relaxed); }

}  // namespace pushgate::providers::http2_internal

// Called by libcurl (from the client thread) instead of libnghttp2's function of the same name.
extern "C" int nghttp2_submit_rst_stream(nghttp2_session* session, uint8_t flags, int32_t stream_id,
                                         uint32_t error_code) {
  return pushgate::providers::http2_internal::FilteredSubmitRstStream(session, flags, stream_id,
                                                                      error_code);
}
