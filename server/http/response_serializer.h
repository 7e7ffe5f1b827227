// HttpResponse → the bytes of an HTTP/1.1 response. Pure, so it is tested without a socket.
#ifndef PUSHGATE_HTTP_RESPONSE_SERIALIZER_H_
#define PUSHGATE_HTTP_RESPONSE_SERIALIZER_H_

#include <ctime>
#include <string>
#include <string_view>

#include "http/http_server.h"

namespace pushgate::http {

struct ResponseFraming {
  bool keep_alive = true;  // false: "Connection: close"
  bool http10 = false;     // the request was HTTP/1.0: keep-alive must be said explicitly
  bool head = false;       // HEAD request: headers only (Content-Length still that of the body)
  std::string_view date;   // IMF-fixdate, see HttpDate
};

// Status line, Server, Date, Content-Type (when the body is non-empty or a type is set),
// Content-Length, the response's extra headers, Connection when needed, then the body.
// Extra headers that would break framing (CR or LF anywhere, an empty name, or one of
// Content-Length, Transfer-Encoding, Connection, Server, Date) are dropped: the server owns
// those.
std::string SerializeResponse(const HttpResponse& response, const ResponseFraming& framing);

// "OK", "Not Found", ...; "Unknown" for codes this server never sends.
std::string_view ReasonPhrase(int status);

// RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(std::time_t t);

}  // namespace pushgate::http

#endif  // PUSHGATE_HTTP_RESPONSE_SERIALIZER_H_
