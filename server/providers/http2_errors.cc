#include "providers/http2_errors.h"

namespace pushgate::providers::http2_internal {
namespace {

std::string WithDetail(const char* prefix, CURLcode code, const char* detail) {
  std::string text = prefix;
  text += (detail != nullptr && detail[0] != '\0') ? detail : curl_easy_strerror(code);
  return text;
}

}  // namespace

CurlFailure DescribeCurlFailure(CURLcode code, const char* detail, bool alpn_refused) {
  CurlFailure failure;
  if (alpn_refused && (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CONNECT_ERROR)) {
    failure.text = kErrNotHttp2;
    return failure;
  }
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      failure.text = kErrTimeout;
      failure.timed_out = true;
      break;
    case CURLE_COULDNT_CONNECT:
      failure.text = kErrConnectFailed;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      failure.text = kErrResolveFailed;
      break;
    // A stream or the whole connection was cut after the request went out: GOAWAY followed
    // by a close, RST_STREAM, a reset TCP connection, or an answer cut short.
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      failure.text = kErrConnectionClosed;
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      failure.text = WithDetail(kErrTlsPrefix, code, detail);
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      failure.text = WithDetail(kErrInvalidRequestPrefix, code, detail);
      break;
    default:
      failure.text = WithDetail(kErrOtherPrefix, code, detail);
      break;
  }
  return failure;
}

}  // namespace pushgate::providers::http2_internal
