// The Beast listener. Shaped like Beast's advanced_server example (one session object per
// connection, its own strand, tcp_stream timeouts), with three differences that matter here:
//  - the request is parsed from the session's buffer with request_parser::put rather than
//    http::async_read, so the session decides which deadline applies at each step (idle
//    between requests, read_timeout from a request's first byte), answers
//    "Expect: 100-continue", and parses pipelined requests already buffered without another
//    trip through the I/O loop;
//  - the handler answers asynchronously, from any thread: its Respond posts back to the
//    session's executor, and requests on one connection are handled strictly in order;
//  - responses are serialized by response_serializer.h (a plain string, one write).
//
// This is the only translation unit that includes Beast or Asio.
#include "http/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/log.h"
#include "http/listen_address.h"
#include "http/response_serializer.h"

namespace pushgate::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// How much to ask the socket for per read. Big enough for a typical webhook request (headers
// plus ~1 KB body) in one read, small enough to keep an idle connection cheap.
constexpr size_t kReadChunk = 16 * 1024;
// After the last response on a connection that closes, how long unread request bytes are
// drained, so that closing with unread data does not reset the connection (RST) before the
// client has read our answer (e.g. a 413 for a body still on its way). With 1 MiB / 500 ms a
// client still sending a 10 MB body got the reset before it read the 413 whenever it was a
// little slow (seen under ASan in CI); like nginx's lingering close, drain long enough for a
// refused body of a realistic size, still bounded for a client that never stops.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 32 * 1024 * 1024;
// While the server stops, a closing connection lingers this long at most (Stop() waits for it).
constexpr auto kStopLingerTime = std::chrono::milliseconds(500);

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsExpectContinue(std::string_view value) { return Lowercase(value) == "100-continue"; }

// The Date header changes once a second; formatting it per response would be waste.
std::string_view CachedHttpDate() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    cached = HttpDate(now);
  }
  return cached;
}

class SessionBase;

// What sessions share with the server. Sessions (and the Respond callables handed to the
// handler) hold it, so the io_context outlives every socket that uses it, even a session whose
// handler answers after Stop().
struct Shared {
  explicit Shared(int threads) : ioc(threads), work(net::make_work_guard(ioc)) {}

  net::io_context ioc;
  // Keeps run() going while no socket operation is pending, e.g. during shutdown while a
  // handler still owes an answer (its Respond posts to a thread that must still be there).
  net::executor_work_guard<net::io_context::executor_type> work;
  // The TLS context new connections use; replaced whole by a reload (SIGHUP), while open
  // connections keep the one they started with (each session holds a reference).
  bool tls_enabled = false;
  std::mutex tls_mu;
  std::shared_ptr<ssl::context> tls;
  config::HttpConfig config;

  std::shared_ptr<ssl::context> CurrentTls() {
    std::lock_guard<std::mutex> lock(tls_mu);
    return tls;
  }
  HttpHandler handler;
  ProtocolErrorHook on_protocol_error;
  std::atomic<bool> stopping{false};
  std::atomic<bool> finished{false};  // Stop() returned: nothing runs the io_context any more

  std::mutex mu;
  std::condition_variable sessions_changed;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;

  void ReportProtocolError(int status) {
    if (on_protocol_error) on_protocol_error(status);
  }

  // Answers from other threads (the store's writer) pass through this mailbox: the first one
  // into an empty mailbox posts one drain to the I/O threads, the rest ride along. A writer
  // that completes a batch of N requests so wakes the I/O thread about once, not N times.
  struct Delivery {
    std::shared_ptr<SessionBase> session;
    uint64_t sequence = 0;
    HttpResponse response;
  };
  void Deliver(Delivery delivery);
  void DrainMailbox();

  std::mutex mailbox_mu;
  std::vector<Delivery> mailbox;
  std::vector<Delivery> draining;  // only the draining thread touches it
  std::mutex drain_mu;
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Called (on any thread) by Stop(): idle connections close now, busy ones after their
  // current response.
  virtual void BeginShutdown() = 0;
  virtual void ForceClose() = 0;
  // On an I/O thread: the handler's answer to request `sequence`.
  virtual void Receive(uint64_t sequence, HttpResponse response) = 0;
};

void Shared::Deliver(Delivery delivery) {
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mailbox_mu);
    first = mailbox.empty();
    mailbox.push_back(std::move(delivery));
  }
  // A raw pointer: the drain can only run while the io_context (a member) and so *this live.
  if (first) net::post(ioc, [this] { DrainMailbox(); });
}

void Shared::DrainMailbox() {
  std::lock_guard<std::mutex> drain_lock(drain_mu);
  {
    std::lock_guard<std::mutex> lock(mailbox_mu);
    draining.swap(mailbox);
  }
  for (Delivery& d : draining) d.session->Receive(d.sequence, std::move(d.response));
  draining.clear();
}

template <bool kTls>
class Session : public SessionBase, public std::enable_shared_from_this<Session<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  Session(std::shared_ptr<Shared> shared, tcp::socket&& socket, std::string remote)
      : shared_(std::move(shared)),
        stream_(MakeStream(std::move(socket))),
        remote_(std::move(remote)),
        // The parser enforces the limits; this only stops a logic error from growing the
        // buffer without bound.
        buffer_(shared_->config.max_header_bytes + shared_->config.max_body_bytes +
                2 * kReadChunk) {}

  ~Session() override {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->sessions.erase(this);
    shared_->sessions_changed.notify_all();
  }

  void Start() {
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->sessions.emplace(this, this->weak_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->BeginRequest();
      }
    });
  }

  void BeginShutdown() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->keep_alive_ = false;
      // Between requests, or part-way through reading one: nothing was promised yet, close.
      // A request with the handler, or a response being written, finishes first.
      if (!self->busy_) self->Abort();
    });
  }

  // Only once the I/O threads are gone (Stop): closes the socket directly.
  void ForceClose() override { Abort(); }

  void Receive(uint64_t sequence, HttpResponse response) override {
    if (shared_->config.threads <= 1) {
      // The only I/O thread is this one, so it already is the session's implicit strand.
      OnResponse(sequence, std::move(response));
      return;
    }
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this(), sequence,
                                           response = std::move(response)]() mutable {
      self->OnResponse(sequence, std::move(response));
    });
  }

 private:
  Stream MakeStream(tcp::socket&& socket) {
    if constexpr (kTls) {
      tls_context_ = shared_->CurrentTls();
      return Stream(std::move(socket), *tls_context_);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  const config::HttpConfig& Config() const { return shared_->config; }

  void Handshake() {
    Tcp().expires_after(std::chrono::milliseconds(Config().read_timeout_ms));
    stream_.async_handshake(ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code ec) {
                              if (ec) return self->Abort();
                              self->BeginRequest();
                            });
  }

  void BeginRequest() {
    if (shared_->stopping.load()) keep_alive_ = false;
    if (!keep_alive_) return GracefulClose();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(Config().max_header_bytes));
    parser_->body_limit(static_cast<std::uint64_t>(Config().max_body_bytes));
    request_started_ = false;
    continue_checked_ = false;
    Parse();
  }

  // Feeds buffered bytes to the parser until the request is complete, more bytes are needed,
  // or the request is refused.
  void Parse() {
    for (;;) {
      if (buffer_.size() == 0) return Read();
      if (!request_started_) {
        request_started_ = true;
        deadline_ = Clock::now() + std::chrono::milliseconds(Config().read_timeout_ms);
      }
      beast::error_code ec;
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) return Read();
      if (ec) return RefuseMalformed(ec);
      if (parser_->is_done()) return Dispatch();
      if (parser_->is_header_done() && !continue_checked_) {
        continue_checked_ = true;
        const auto expect = parser_->get()[bhttp::field::expect];
        if (IsExpectContinue(std::string_view(expect.data(), expect.size()))) {
          return WriteContinue();
        }
      }
      if (used == 0) return Read();
    }
  }

  void Read() {
    if (request_started_) {
      Tcp().expires_at(deadline_);
    } else {
      Tcp().expires_after(std::chrono::milliseconds(Config().idle_timeout_ms));
    }
    net::mutable_buffer space;
    try {
      space = buffer_.prepare(kReadChunk);
    } catch (const std::length_error&) {
      return Refuse(413, "request too large");
    }
    stream_.async_read_some(space, [self = this->shared_from_this()](
                                       beast::error_code ec, size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(beast::error_code ec, size_t n) {
    if (ec == beast::error::timeout) {
      // tcp_stream has closed the socket. Idle keep-alive connections time out silently; a
      // request that started and did not finish in time is counted.
      if (request_started_) shared_->ReportProtocolError(408);
      return;
    }
    if (ec) return Abort();  // peer closed, reset, or Stop(): nothing to answer
    buffer_.commit(n);
    Parse();
  }

  void WriteContinue() {
    static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    Tcp().expires_at(deadline_);
    net::async_write(stream_, net::buffer(kContinue, sizeof kContinue - 1),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Abort();
                       self->Parse();
                     });
  }

  void RefuseMalformed(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) return Refuse(431, "request header too large");
    if (ec == bhttp::error::body_limit) return Refuse(413, "request body too large");
    Refuse(400, "malformed HTTP request");
  }

  // Answers a request the handler never sees, then closes the connection.
  void Refuse(int status, std::string_view message) {
    shared_->ReportProtocolError(status);
    HttpResponse r;
    r.status = status;
    r.body = "{\"message\":\"" + std::string(message) + "\"}";
    keep_alive_ = false;
    head_ = false;
    http10_ = false;
    busy_ = true;
    Write(std::move(r));
  }

  void Dispatch() {
    bhttp::request<bhttp::string_body> message = parser_->release();
    parser_.reset();
    keep_alive_ = keep_alive_ && message.keep_alive() && !shared_->stopping.load();
    http10_ = message.version() == 10;
    head_ = message.method() == bhttp::verb::head;
    busy_ = true;
    const uint64_t sequence = ++sequence_;

    HttpRequest request;
    const auto method = message.method_string();
    request.method.assign(method.data(), method.size());
    const auto target = message.target();
    request.target.assign(target.data(), target.size());
    request.headers.reserve(12);
    for (const auto& field : message) {
      const auto name = field.name_string();
      const auto value = field.value();
      request.headers.emplace_back(Lowercase(std::string_view(name.data(), name.size())),
                                   std::string(value.data(), value.size()));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;

    // Respond may run on any thread and at any time, even after Stop(): it holds the session
    // (and through it the io_context) and hops onto the session's executor.
    Respond respond = [self = this->shared_from_this(), sequence](HttpResponse response) {
      Shared& shared = *self->shared_;
      if (shared.finished.load()) return;  // the server is gone; so is the client
      if (shared.ioc.get_executor().running_in_this_thread()) {
        self->Receive(sequence, std::move(response));  // answered synchronously: no hop
      } else {
        shared.Deliver({self, sequence, std::move(response)});
      }
    };
    try {
      shared_->handler(std::move(request), std::move(respond));
    } catch (const std::exception& e) {
      LogError("http_handler_threw", {{"what", e.what()}, {"remote", remote_}});
      HttpResponse r;
      r.status = 500;
      r.body = R"({"message":"internal error"})";
      keep_alive_ = false;
      OnResponse(sequence, std::move(r));
    }
  }

  void OnResponse(uint64_t sequence, HttpResponse response) {
    // Only the first answer to the current request counts.
    if (sequence != sequence_ || !busy_ || writing_) return;
    Write(std::move(response));
  }

  void Write(HttpResponse response) {
    writing_ = true;
    if (shared_->stopping.load()) keep_alive_ = false;
    ResponseFraming framing;
    framing.keep_alive = keep_alive_;
    framing.http10 = http10_;
    framing.head = head_;
    framing.date = CachedHttpDate();
    out_ = SerializeResponse(response, framing);
    // A client that does not read its responses must not hold the connection either.
    Tcp().expires_after(std::chrono::milliseconds(Config().read_timeout_ms));
    net::async_write(stream_, net::buffer(out_),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->writing_ = false;
                       self->busy_ = false;
                       self->out_.clear();
                       if (ec) return self->Abort();
                       self->BeginRequest();
                     });
  }

  // The last response is written: tell the peer we are done, then read (and drop) what it may
  // still be sending until it closes too, bounded in time and bytes.
  void GracefulClose() {
    if constexpr (kTls) {
      Tcp().expires_after(LingerTime());
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->Abort(); });
    } else {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      linger_deadline_ = Clock::now() + LingerTime();
      linger_bytes_ = 0;
      Linger();
    }
  }

  // How long a closing connection may linger: shorter while the server stops, since Stop()
  // waits for it.
  std::chrono::milliseconds LingerTime() const {
    return shared_->stopping.load() ? kStopLingerTime : kLingerTime;
  }

  void Linger() {
    Tcp().expires_at(linger_deadline_);
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->linger_bytes_ += n;
                              if (ec || self->linger_bytes_ > kLingerBytes) return self->Abort();
                              self->Linger();
                            });
  }

  void Abort() {
    beast::error_code ignored;
    Tcp().socket().close(ignored);
  }

  std::shared_ptr<Shared> shared_;
  std::shared_ptr<ssl::context> tls_context_;  // outlives stream_, which uses it
  Stream stream_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string out_;

  bool request_started_ = false;
  bool continue_checked_ = false;
  Clock::time_point deadline_;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_ = false;
  bool busy_ = false;     // a request is with the handler or its response is being written
  bool writing_ = false;  // the response is being written
  uint64_t sequence_ = 0;
  Clock::time_point linger_deadline_;
  size_t linger_bytes_ = 0;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(std::shared_ptr<Shared> shared, tcp::acceptor&& acceptor)
      : shared_(std::move(shared)),
        acceptor_(std::move(acceptor)),
        retry_timer_(acceptor_.get_executor()) {}

  void Start() { Accept(); }

  void Stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
    });
  }

 private:
  net::any_io_executor ExecutorForConnection() {
    // One I/O thread runs every handler in order already; a strand would only add cost.
    if (shared_->config.threads <= 1) return shared_->ioc.get_executor();
    return net::make_strand(shared_->ioc);
  }

  void Accept() {
    acceptor_.async_accept(ExecutorForConnection(),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             self->OnAccept(ec, std::move(socket));
                           });
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Typically out of file descriptors: wait a little instead of spinning.
      LogWarn("http_accept_failed", {{"error", ec.message()}});
      retry_timer_.expires_after(std::chrono::milliseconds(50));
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->Accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const tcp::endpoint peer = socket.remote_endpoint(ignored);
    std::string remote = ignored ? std::string() : peer.address().to_string();
    if (shared_->tls_enabled) {
      std::make_shared<Session<true>>(shared_, std::move(socket), std::move(remote))->Start();
    } else {
      std::make_shared<Session<false>>(shared_, std::move(socket), std::move(remote))->Start();
    }
    Accept();
  }

  std::shared_ptr<Shared> shared_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
};

absl::Status LoadTls(const config::TlsFiles& files, std::shared_ptr<ssl::context>& out);

class BeastHttpServer : public HttpServer {
 public:
  BeastHttpServer(std::shared_ptr<Shared> shared, std::shared_ptr<Listener> listener, int port)
      : shared_(std::move(shared)), listener_(std::move(listener)), port_(port) {}

  ~BeastHttpServer() override { Stop(); }

  int port() const override { return port_; }

  absl::Status ReloadTls(const config::TlsFiles& files) override {
    if (!shared_->tls_enabled || !files.enabled()) {
      return absl::FailedPreconditionError(
          "http.tls: turning TLS on or off needs a restart (the listener is already bound)");
    }
    std::shared_ptr<ssl::context> fresh;
    if (absl::Status s = LoadTls(files, fresh); !s.ok()) return s;
    std::lock_guard<std::mutex> lock(shared_->tls_mu);
    shared_->tls.swap(fresh);
    return absl::OkStatus();
  }

  void Run(int threads) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([shared = shared_] { shared->ioc.run(); });
    }
  }

  void Stop() override {
    std::lock_guard<std::mutex> stop_lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    shared_->stopping.store(true);
    listener_->Stop();

    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      for (auto& [raw, weak] : shared_->sessions) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
    for (auto& session : live) session->BeginShutdown();
    live.clear();

    // Let in-flight requests be answered, but not forever: a handler that never answers must
    // not block shutdown.
    {
      std::unique_lock<std::mutex> lock(shared_->mu);
      shared_->sessions_changed.wait_for(
          lock, std::chrono::milliseconds(shared_->config.read_timeout_ms) + kStopLingerTime,
          [&] { return shared_->sessions.empty(); });
    }
    shared_->work.reset();
    shared_->ioc.stop();
    bool joined_all = true;
    for (std::thread& t : threads_) {
      if (t.get_id() == std::this_thread::get_id()) {
        t.detach();  // Stop() from an I/O thread (e.g. a handler): cannot join itself
        joined_all = false;
      } else if (t.joinable()) {
        t.join();
      }
    }
    threads_.clear();
    if (!joined_all) return;

    // No thread runs the io_context now. Close what is still open (sessions whose handler
    // has not answered, a connection accepted during the shutdown) and run the resulting
    // completions here, so sockets and the listening port are released now rather than
    // leaked in a cycle of pending handlers.
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      for (auto& [raw, weak] : shared_->sessions) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
    for (auto& session : live) session->ForceClose();
    live.clear();
    shared_->ioc.restart();
    shared_->ioc.poll();
    shared_->finished.store(true);
  }

 private:
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<Listener> listener_;
  const int port_;
  std::vector<std::thread> threads_;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

absl::Status LoadTls(const config::TlsFiles& files, std::shared_ptr<ssl::context>& out) {
  out = std::make_shared<ssl::context>(ssl::context::tls_server);
  ssl::context& ctx = *out;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  ctx.use_certificate_chain_file(files.cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError("http.tls.cert_file: cannot load " + files.cert_file + ": " +
                                      ec.message());
  }
  if (files.key_file.empty()) {
    return absl::InvalidArgumentError("http.tls.key_file: required with http.tls.cert_file");
  }
  ctx.use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError("http.tls.key_file: cannot load " + files.key_file + ": " +
                                      ec.message());
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return absl::InvalidArgumentError("http.tls.key_file: does not match http.tls.cert_file");
  }
  return absl::OkStatus();
}

absl::StatusOr<tcp::endpoint> ResolveListenEndpoint(const std::string& address) {
  absl::StatusOr<HostPort> host_port = ParseHostPort(address);
  if (!host_port.ok()) return host_port.status();
  if (host_port->host.empty()) return tcp::endpoint(tcp::v4(), host_port->port);
  beast::error_code ec;
  const net::ip::address ip = net::ip::make_address(host_port->host, ec);
  if (!ec) return tcp::endpoint(ip, host_port->port);
  // A name (e.g. "localhost"): resolve once, at start-up.
  net::io_context resolver_context;
  tcp::resolver resolver(resolver_context);
  auto results = resolver.resolve(host_port->host, std::to_string(host_port->port), ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError("http.address: cannot resolve " + host_port->host);
  }
  return results.begin()->endpoint();
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(const config::HttpConfig& config,
                                                            HttpHandler handler,
                                                            ProtocolErrorHook on_protocol_error) {
  if (!handler) return absl::InvalidArgumentError("http: no handler");
  const int threads = config.threads > 0 ? config.threads : 1;
  auto shared = std::make_shared<Shared>(threads);
  shared->config = config;
  shared->config.threads = threads;
  shared->handler = std::move(handler);
  shared->on_protocol_error = std::move(on_protocol_error);

  if (config.tls.enabled()) {
    if (absl::Status s = LoadTls(config.tls, shared->tls); !s.ok()) return s;
    shared->tls_enabled = true;
  }

  absl::StatusOr<tcp::endpoint> endpoint = ResolveListenEndpoint(config.address);
  if (!endpoint.ok()) return endpoint.status();

  tcp::acceptor acceptor(net::make_strand(shared->ioc));
  beast::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("http.address: cannot listen on " + config.address + ": " +
                                  ec.message());
  }
  const int port = acceptor.local_endpoint().port();

  auto listener = std::make_shared<Listener>(shared, std::move(acceptor));
  listener->Start();
  auto server = std::make_unique<BeastHttpServer>(shared, listener, port);
  server->Run(threads);
  LogInfo("http_listening", {{"address", config.address},
                             {"port", std::to_string(port)},
                             {"tls", config.tls.enabled() ? "on" : "off"},
                             {"threads", std::to_string(threads)}});
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace pushgate::http
