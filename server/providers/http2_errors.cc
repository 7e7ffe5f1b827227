#include "providers/http2_errors.h"

#include <utility>

namespace pushgate::providers::http2_internal {

Http2Response TransportFailure(std::string text) {
  Http2Response response;
  response.transport_error = std::move(text);
  return response;
}

Http2Response TimeoutFailure() {
  Http2Response response = TransportFailure(kErrTimeout);
  response.timed_out = true;
  return response;
}

}  // namespace pushgate::providers::http2_internal
