// The Node fakes' plain-HTTP/1.1 control API, for the end-to-end tests: one JSON request.
#ifndef PUSHGATE_TESTS_FAKES_FAKE_CONTROL_H_
#define PUSHGATE_TESTS_FAKES_FAKE_CONTROL_H_

#include <nlohmann/json.hpp>
#include <string>

namespace pushgate::fakes {

// `method` `path` on http://127.0.0.1:<port> with `body` (POST only); the answer parsed as JSON
// (discarded when it is not), or {"curl_error": …} when the request failed.
nlohmann::json ControlRequest(int port, const std::string& method, const std::string& path,
                              const std::string& body = "");

// A whole file as bytes ("" when unreadable): test keys and certificates the tests generate.
std::string ReadFileBytes(const std::string& path);

}  // namespace pushgate::fakes

#endif  // PUSHGATE_TESTS_FAKES_FAKE_CONTROL_H_
