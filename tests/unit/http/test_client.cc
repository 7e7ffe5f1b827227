#include "test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace pushgate::http::testing {

using Clock = std::chrono::steady_clock;

Connection::~Connection() { Close(); }

void Connection::Close() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  pending_.clear();
}

bool Connection::Connect(int port) {
  Close();
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return false;
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

bool Connection::ConnectTls(int port, SSL_CTX* ctx) {
  if (!Connect(port)) return false;
  ssl_ = SSL_new(ctx);
  SSL_set_fd(ssl_, fd_);
  SSL_set_tlsext_host_name(ssl_, "localhost");
  return SSL_connect(ssl_) == 1;
}

bool Connection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const int n =
        ssl_ != nullptr
            ? SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent))
            : static_cast<int>(::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL));
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

int Connection::Recv(char* buf, size_t n, Clock::time_point deadline) {
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) {
    return SSL_read(ssl_, buf, static_cast<int>(n));
  }
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return -2;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready == 0) return -2;
    if (ready < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (ssl_ != nullptr) {
      const int r = SSL_read(ssl_, buf, static_cast<int>(n));
      if (r > 0) return r;
      const int err = SSL_get_error(ssl_, r);
      if (err == SSL_ERROR_WANT_READ) continue;
      return err == SSL_ERROR_ZERO_RETURN ? 0 : (err == SSL_ERROR_SYSCALL && r == 0 ? 0 : -1);
    }
    const ssize_t r = ::recv(fd_, buf, n, 0);
    if (r >= 0) return static_cast<int>(r);
    return errno == ECONNRESET ? 0 : -1;
  }
}

std::optional<ParsedResponse> Connection::ReadResponse(std::chrono::milliseconds timeout,
                                                       bool head) {
  const Clock::time_point deadline = Clock::now() + timeout;
  char buf[16384];
  size_t header_end = std::string::npos;
  while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
    const int n = Recv(buf, sizeof buf, deadline);
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<size_t>(n));
  }
  ParsedResponse r;
  const std::string head_text = pending_.substr(0, header_end);
  pending_.erase(0, header_end + 4);
  size_t line_end = head_text.find("\r\n");
  const std::string status_line = head_text.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
  r.status = std::stoi(status_line.substr(9, 3));
  while (line_end != std::string::npos) {
    const size_t start = line_end + 2;
    line_end = head_text.find("\r\n", start);
    const std::string line = head_text.substr(start, line_end - start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t value_start = colon + 1;
    while (value_start < line.size() && line[value_start] == ' ') ++value_start;
    r.headers[name] = line.substr(value_start);
  }
  if (r.status / 100 == 1) return r;  // interim response: no body
  const size_t length =
      head ? 0 : std::stoul(r.Header("content-length").empty() ? "0" : r.Header("content-length"));
  while (pending_.size() < length) {
    const int n = Recv(buf, sizeof buf, deadline);
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<size_t>(n));
  }
  r.body = pending_.substr(0, length);
  pending_.erase(0, length);
  return r;
}

bool Connection::WaitClosed(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  char buf[4096];
  for (;;) {
    const int n = Recv(buf, sizeof buf, deadline);
    if (n == 0 || n == -1) return true;
    if (n == -2) return false;
  }
}

std::string Connection::ReadSome(size_t n, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  char buf[4096];
  while (pending_.size() < n) {
    const int got = Recv(buf, sizeof buf, deadline);
    if (got <= 0) break;
    pending_.append(buf, static_cast<size_t>(got));
  }
  std::string out = pending_.substr(0, n);
  pending_.erase(0, out.size());
  return out;
}

std::string PostRequest(const std::string& target, const std::string& body,
                        const std::string& extra_headers) {
  std::string r =
      "POST " + target + " HTTP/1.1\r\nHost: localhost\r\n" +
      "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!extra_headers.empty()) r += extra_headers + "\r\n";
  return r + "\r\n" + body;
}

std::string GetRequest(const std::string& target, const std::string& extra_headers) {
  std::string r = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!extra_headers.empty()) r += extra_headers + "\r\n";
  return r + "\r\n";
}

}  // namespace pushgate::http::testing
