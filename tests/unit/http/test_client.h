// A deliberately simple blocking HTTP/1.1 client over a real socket (optionally TLS through
// OpenSSL), so server tests see exactly the bytes on the wire: pipelining, partial writes,
// slow senders and closed connections are all under the test's control.
#ifndef PUSHGATE_TESTS_UNIT_HTTP_TEST_CLIENT_H_
#define PUSHGATE_TESTS_UNIT_HTTP_TEST_CLIENT_H_

#include <openssl/ssl.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace pushgate::http::testing {

struct ParsedResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class Connection {
 public:
  Connection() = default;
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Plain TCP to 127.0.0.1:port.
  bool Connect(int port);
  // TLS over TCP; `ctx` is the client context (CA, versions). Returns false when the
  // handshake fails.
  bool ConnectTls(int port, SSL_CTX* ctx);

  bool Send(const std::string& bytes);
  // Reads one response; std::nullopt on timeout, close or garbage. `head` = no body expected.
  std::optional<ParsedResponse> ReadResponse(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000), bool head = false);
  // True when the server closes the connection (EOF or reset) within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout);
  // Reads exactly up to `n` bytes or until the timeout; what arrived.
  std::string ReadSome(size_t n, std::chrono::milliseconds timeout);

  SSL* ssl() const { return ssl_; }
  void Close();

 private:
  // >0 bytes, 0 on EOF, -1 on error, -2 on timeout.
  int Recv(char* buf, size_t n, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string pending_;  // bytes read past the previous response
};

// "POST <target> HTTP/1.1" with Host, Content-Type, Content-Length and extra header lines
// (each "Name: value", no CRLF).
std::string PostRequest(const std::string& target, const std::string& body,
                        const std::string& extra_headers = "");
std::string GetRequest(const std::string& target, const std::string& extra_headers = "");

}  // namespace pushgate::http::testing

#endif  // PUSHGATE_TESTS_UNIT_HTTP_TEST_CLIENT_H_
