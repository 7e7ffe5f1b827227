#include "providers/http2_connection.h"

#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "providers/http2_errors.h"
#include "providers/http2_tls.h"

namespace pushgate::providers::http2_internal {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kReadBufferBytes = 64 * 1024;
// A flush stops serialising frames past this much and writes; the rest goes with the next.
constexpr size_t kWriteBatchBytes = 256 * 1024;
// Our receive windows: answers are small, but a forward-hook receiver may send a large page.
constexpr int32_t kStreamWindow = 1 << 20;
constexpr int32_t kConnectionWindow = 16 << 20;

std::string_view View(const uint8_t* data, size_t length) {
  return std::string_view(reinterpret_cast<const char*>(data), length);
}

nghttp2_nv Header(std::string_view name, std::string_view value) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

void AppendCapped(std::string& body, const char* data, size_t length) {
  const size_t room = kMaxResponseBodyBytes - std::min(body.size(), kMaxResponseBodyBytes);
  body.append(data, std::min(length, room));
}

bool IsIpLiteral(const std::string& host) {
  boost::system::error_code error;
  asio::ip::make_address(host, error);
  return !error;
}

std::string TlsErrorText(const boost::system::error_code& error, SSL* ssl) {
  std::string text = absl::StrCat(kErrTlsPrefix, error.message());
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) absl::StrAppend(&text, ": ", X509_verify_cert_error_string(verify));
  return text;
}

}  // namespace

// nghttp2's callbacks, with access to the connection's streams.
struct SessionCallbacks {
  static Connection* Self(void* user_data) { return static_cast<Connection*>(user_data); }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t name_length, const uint8_t* value, size_t value_length, uint8_t,
                      void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    Connection::Stream* stream = Self(user_data)->Find(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    const std::string_view key = View(name, name_length);
    if (key == ":status") {
      int status = 0;
      const std::string_view text = View(value, value_length);
      std::from_chars(text.data(), text.data() + text.size(), status);
      stream->interim = status < 200;
      if (!stream->interim) {
        stream->response.status = status;
        stream->response.headers.clear();
      }
      return 0;
    }
    if (stream->interim || key.empty() || key[0] == ':') return 0;
    // HTTP/2 header names are lower case on the wire (nghttp2 rejects others).
    stream->response.headers.emplace_back(std::string(key), std::string(View(value, value_length)));
    return 0;
  }

  static int OnFrameReceived(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    Connection* self = Self(user_data);
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA: {
        Connection::Stream* stream = self->Find(frame->hd.stream_id);
        if (stream == nullptr || stream->response.status < 200) break;
        self->confirmed_ = true;
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
          self->FinishStream(frame->hd.stream_id, std::move(stream->response), false);
        }
        break;
      }
      case NGHTTP2_SETTINGS:
        if (self->owner_ != nullptr) self->owner_->OnCapacityChanged(self);
        break;
      case NGHTTP2_GOAWAY:
        self->going_away_ = true;
        self->goaway_last_stream_id_ = frame->goaway.last_stream_id;
        if (self->owner_ != nullptr) self->owner_->OnCapacityChanged(self);
        break;
      case NGHTTP2_PING:
        if (frame->hd.flags & NGHTTP2_FLAG_ACK) self->ping_outstanding_ = false;
        break;
      default:
        break;
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t length, void* user_data) {
    Connection::Stream* stream = Self(user_data)->Find(stream_id);
    if (stream != nullptr) {
      AppendCapped(stream->response.body, reinterpret_cast<const char*>(data), length);
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                           void* user_data) {
    Connection* self = Self(user_data);
    Connection::Stream* stream = self->Find(stream_id);
    if (stream == nullptr) return 0;  // answered already, or timed out
    // Not processed by the server: never sent, refused (also how nghttp2 closes the streams
    // above a GOAWAY's last stream id), so safe to send again.
    const bool retry = !stream->headers_sent ||
                       (error_code == NGHTTP2_REFUSED_STREAM && stream->response.status == 0) ||
                       stream_id > self->goaway_last_stream_id_;
    self->FinishStream(stream_id, TransportFailure(kErrConnectionClosed), retry);
    return 0;
  }

  static int OnFrameSent(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    Connection::Stream* stream = Self(user_data)->Find(frame->hd.stream_id);
    if (stream != nullptr) stream->headers_sent = true;
    return 0;
  }

  static int OnFrameNotSent(nghttp2_session*, const nghttp2_frame* frame, int, void* user_data) {
    // A request nghttp2 could not start (GOAWAY arrived, stream ids ran out): never sent.
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    Connection* self = Self(user_data);
    if (self->Find(frame->hd.stream_id) != nullptr) {
      self->exhausted_ = self->exhausted_ || !self->going_away_;
      self->FinishStream(frame->hd.stream_id, TransportFailure(kErrConnectionClosed), true);
    }
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t stream_id, uint8_t* buffer, size_t length,
                          uint32_t* data_flags, nghttp2_data_source*, void* user_data) {
    Connection::Stream* stream = Self(user_data)->Find(stream_id);
    if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // dropped: reset it
    const std::string& body = stream->job->request.body;
    const size_t count = std::min(length, body.size() - stream->body_sent);
    std::copy_n(body.data() + stream->body_sent, count, buffer);
    stream->body_sent += count;
    if (stream->body_sent == body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(count);
  }

  static nghttp2_session_callbacks* Get() {
    static nghttp2_session_callbacks* const callbacks = [] {
      nghttp2_session_callbacks* c = nullptr;
      nghttp2_session_callbacks_new(&c);
      nghttp2_session_callbacks_set_on_header_callback(c, &OnHeader);
      nghttp2_session_callbacks_set_on_frame_recv_callback(c, &OnFrameReceived);
      nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c, &OnDataChunk);
      nghttp2_session_callbacks_set_on_stream_close_callback(c, &OnStreamClose);
      nghttp2_session_callbacks_set_on_frame_send_callback(c, &OnFrameSent);
      nghttp2_session_callbacks_set_on_frame_not_send_callback(c, &OnFrameNotSent);
      return c;
    }();
    return callbacks;
  }
};

Connection::Connection(asio::io_context& io, Owner* owner,
                       std::shared_ptr<asio::ssl::context> tls_context, ConnectionTarget target,
                       ConnectionTimeouts timeouts)
    : io_(io),
      owner_(owner),
      tls_context_(std::move(tls_context)),
      target_(std::move(target)),
      timeouts_(timeouts),
      resolver_(io),
      stream_(io, *tls_context_) {}

Connection::~Connection() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

size_t Connection::active() const { return http2_ ? streams_.size() : (h1_job_ ? 1 : 0); }

size_t Connection::capacity() const {
  if (!http2_ || !confirmed_) return 1;
  const uint32_t peer =
      nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  return std::min<size_t>(peer, kMaxStreamsPerConnection);
}

void Connection::Start() {
  const Clock::time_point now = Clock::now();
  connect_deadline_ = now + timeouts_.connect;
  last_activity_ = now;
  if (!target_.pinned_addresses.empty()) {
    std::vector<tcp::endpoint> endpoints;
    for (const std::string& text : target_.pinned_addresses) {
      boost::system::error_code error;
      asio::ip::address address = asio::ip::make_address(text, error);
      if (!error) endpoints.emplace_back(address, target_.port);
    }
    if (endpoints.empty()) {
      // Fail from the loop, not from inside the pool's call.
      asio::post(io_,
                 [self = shared_from_this()] { self->Fail(TransportFailure(kErrResolveFailed)); });
      return;
    }
    Connect(endpoints);
    return;
  }
  resolver_.async_resolve(target_.host, std::to_string(target_.port),
                          [self = shared_from_this()](const boost::system::error_code& error,
                                                      const tcp::resolver::results_type& results) {
                            if (self->closed()) return;
                            if (error) {
                              self->Fail(TransportFailure(kErrResolveFailed));
                              return;
                            }
                            self->Connect(results);
                          });
}

template <class Endpoints>
void Connection::Connect(const Endpoints& endpoints) {
  asio::async_connect(
      stream_.next_layer(), endpoints,
      [self = shared_from_this()](const boost::system::error_code& error, const tcp::endpoint&) {
        if (self->closed()) return;
        if (error) {
          self->Fail(TransportFailure(kErrConnectFailed));
          return;
        }
        boost::system::error_code ignored;
        self->stream_.next_layer().set_option(tcp::no_delay(true), ignored);
        self->stream_.next_layer().set_option(asio::socket_base::keep_alive(true), ignored);
        if (self->target_.tls) {
          self->Handshake();
        } else {
          self->OnEstablished(false, false);
        }
      });
}

void Connection::Handshake() {
  if (!IsIpLiteral(target_.host)) {
    SSL_set_tlsext_host_name(stream_.native_handle(), target_.host.c_str());
  }
  stream_.set_verify_callback(asio::ssl::host_name_verification(target_.host));
  stream_.async_handshake(
      asio::ssl::stream_base::client,
      [self = shared_from_this()](const boost::system::error_code& error) {
        if (self->closed()) return;
        if (error) {
          // A server that cannot speak any protocol offered (h2 alone
          // when HTTP/2 is required) may end the handshake with an alert.
          const bool alpn_refused =
              error.category() == asio::error::get_ssl_category() &&
              ERR_GET_REASON(error.value()) == SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL;
          self->Fail(TransportFailure(
              alpn_refused ? kErrNotHttp2 : TlsErrorText(error, self->stream_.native_handle())));
          return;
        }
        const Alpn alpn = SelectedAlpn(self->stream_.native_handle());
        self->OnEstablished(alpn == Alpn::kHttp2, alpn == Alpn::kHttp11);
      });
}

void Connection::OnEstablished(bool negotiated_h2, bool negotiated_http11) {
  (void)negotiated_http11;  // no ALPN at all is HTTP/1.1 as well
  if (!negotiated_h2 && target_.require_http2) {
    // Refused before anything was sent: an HTTP/2-only request never goes over HTTP/1.1.
    Fail(TransportFailure(kErrNotHttp2));
    return;
  }
  http2_ = negotiated_h2;
  if (http2_ && !StartSession()) {
    Fail(TransportFailure(absl::StrCat(kErrOtherPrefix, "cannot start an HTTP/2 session")));
    return;
  }
  state_ = State::kReady;
  last_activity_ = Clock::now();
  if (http2_) {
    ReadHttp2();
    RequestFlush();  // the connection preface and our SETTINGS
  }
  if (owner_ != nullptr) owner_->OnConnectionReady(this);
}

void Connection::Fail(const Http2Response& failure) {
  if (state_ == State::kClosed) return;
  auto keep_alive = shared_from_this();
  const bool was_connecting = state_ == State::kConnecting;
  state_ = State::kClosed;
  CloseSocket();
  if (was_connecting) {
    if (owner_ != nullptr) owner_->OnConnectionFailed(this, failure);
    return;
  }
  for (auto& [id, stream] : streams_) {
    const bool retry = !stream->headers_sent || id > goaway_last_stream_id_;
    finished_.push_back(Finished{std::move(stream->job), failure, retry});
  }
  streams_.clear();
  if (h1_job_) {
    // A reused keep-alive connection the server closed before answering: not processed.
    const bool retry = h1_exchanges_ > 0 && !h1_answer_started_;
    finished_.push_back(Finished{std::move(h1_job_), failure, retry});
  }
  DeliverFinished();
  if (owner_ != nullptr) owner_->OnConnectionClosed(this);
}

void Connection::CloseSocket() {
  boost::system::error_code ignored;
  resolver_.cancel();
  stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
}

void Connection::DeliverFinished() {
  if (finished_.empty()) return;
  std::vector<Finished> finished = std::move(finished_);
  finished_.clear();
  for (Finished& f : finished) {
    if (owner_ != nullptr) {
      owner_->OnRequestDone(this, std::move(f.job), std::move(f.response), f.retry);
    }
  }
}

std::vector<std::unique_ptr<Job>> Connection::Abandon() {
  std::vector<std::unique_ptr<Job>> jobs;
  owner_ = nullptr;
  for (auto& [id, stream] : streams_) jobs.push_back(std::move(stream->job));
  streams_.clear();
  for (Finished& f : finished_) jobs.push_back(std::move(f.job));
  finished_.clear();
  if (h1_job_) jobs.push_back(std::move(h1_job_));
  if (state_ != State::kClosed) {
    state_ = State::kClosed;
    CloseSocket();
  }
  return jobs;
}

void Connection::Submit(std::unique_ptr<Job> job) {
  last_activity_ = Clock::now();
  if (http2_) {
    SubmitHttp2(std::move(job));
  } else {
    SubmitHttp1(std::move(job));
  }
}

void Connection::Sweep(Clock::time_point now) {
  if (state_ == State::kClosed) return;
  auto keep_alive = shared_from_this();
  if (state_ == State::kConnecting) {
    if (now >= connect_deadline_) Fail(TimeoutFailure());
    return;
  }
  if (!http2_) {
    if (h1_job_ && h1_job_->deadline <= now) {
      // The exchange cannot be cut short on HTTP/1.1: the connection goes with it.
      std::unique_ptr<Job> job = std::move(h1_job_);
      if (owner_ != nullptr) owner_->OnRequestDone(this, std::move(job), TimeoutFailure(), false);
      Fail(TransportFailure(kErrConnectionClosed));
    } else if (!h1_job_ && now - last_activity_ >= timeouts_.idle) {
      Fail(TransportFailure(kErrConnectionClosed));
    }
    return;
  }
  bool expired = false;
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (it->second->job->deadline > now) {
      ++it;
      continue;
    }
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, it->first, NGHTTP2_CANCEL);
    finished_.push_back(Finished{std::move(it->second->job), TimeoutFailure(), false});
    it = streams_.erase(it);
    expired = true;
  }
  if (expired) {
    DeliverFinished();
    RequestFlush();
  }
  const bool write_stuck = writing_ && now - write_started_ >= timeouts_.ping_timeout;
  const bool ping_unanswered = ping_outstanding_ && now - ping_sent_ >= timeouts_.ping_timeout;
  if (write_stuck || ping_unanswered) {
    Fail(TransportFailure(kErrConnectionClosed));
    return;
  }
  if (!streams_.empty()) return;
  if (now - last_activity_ >= timeouts_.idle) {
    Fail(TransportFailure(kErrConnectionClosed));
  } else if (!ping_outstanding_ && now - last_activity_ >= timeouts_.ping_interval) {
    nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
    ping_outstanding_ = true;
    ping_sent_ = now;
    RequestFlush();
  }
}

// ---- HTTP/2 ----

bool Connection::StartSession() {
  if (nghttp2_session_client_new(&session_, SessionCallbacks::Get(), this) != 0) return false;
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(kStreamWindow)},
  };
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings)) != 0) {
    return false;
  }
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
  read_buffer_ = std::make_unique<uint8_t[]>(kReadBufferBytes);
  return true;
}

Connection::Stream* Connection::Find(int32_t stream_id) {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Connection::FinishStream(int32_t stream_id, Http2Response response, bool retry) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  finished_.push_back(Finished{std::move(it->second->job), std::move(response), retry});
  streams_.erase(it);
}

void Connection::SubmitHttp2(std::unique_ptr<Job> job) {
  auto stream = std::make_unique<Stream>();
  stream->job = std::move(job);
  const Http2Request& request = stream->job->request;
  const RequestUrl& url = stream->job->url;
  std::vector<nghttp2_nv> headers;
  headers.reserve(4 + request.headers.size());
  headers.push_back(Header(":method", request.method));
  headers.push_back(Header(":scheme", target_.tls ? "https" : "http"));
  headers.push_back(Header(":authority", url.authority));
  headers.push_back(Header(":path", url.path));
  std::vector<std::string> lowered;  // names given in upper case (HTTP/2 wants lower)
  lowered.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers) {
    if (std::any_of(name.begin(), name.end(), absl::ascii_isupper)) {
      lowered.push_back(absl::AsciiStrToLower(name));
      headers.push_back(Header(lowered.back(), value));
    } else {
      headers.push_back(Header(name, value));
    }
  }
  nghttp2_data_provider body;
  body.source.ptr = nullptr;
  body.read_callback = &SessionCallbacks::ReadBody;
  const bool has_body = !request.body.empty() && request.method != "HEAD";
  const int32_t id = nghttp2_submit_request(session_, nullptr, headers.data(), headers.size(),
                                            has_body ? &body : nullptr, nullptr);
  if (id < 0) {
    // Out of stream ids (or memory): this connection takes no more; the request goes elsewhere.
    exhausted_ = true;
    if (owner_ != nullptr) {
      owner_->OnRequestDone(this, std::move(stream->job), TransportFailure(kErrConnectionClosed),
                            true);
    }
    CloseIfDrained();
    return;
  }
  streams_.emplace(id, std::move(stream));
  RequestFlush();
}

void Connection::RequestFlush() {
  if (flush_posted_ || state_ != State::kReady) return;
  flush_posted_ = true;
  asio::post(io_, [self = shared_from_this()] { self->Flush(); });
}

void Connection::Flush() {
  flush_posted_ = false;
  if (state_ != State::kReady || writing_) return;
  while (write_buffer_.size() < kWriteBatchBytes) {
    const uint8_t* data = nullptr;
    const ssize_t length = nghttp2_session_mem_send(session_, &data);
    if (length < 0) {
      Fail(TransportFailure(kErrConnectionClosed));
      return;
    }
    if (length == 0) break;
    write_buffer_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(length));
  }
  DeliverFinished();  // streams nghttp2 closed while serialising (refused starts)
  if (write_buffer_.empty()) {
    CloseIfDrained();
    return;
  }
  writing_ = true;
  write_started_ = Clock::now();
  WithStream([this](auto& stream) {
    asio::async_write(stream, asio::buffer(write_buffer_),
                      [self = shared_from_this()](const boost::system::error_code& error, size_t) {
                        self->writing_ = false;
                        if (self->closed()) return;
                        if (error) {
                          self->Fail(TransportFailure(kErrConnectionClosed));
                          return;
                        }
                        self->write_buffer_.clear();
                        self->Flush();
                      });
  });
}

void Connection::ReadHttp2() {
  WithStream([this](auto& stream) {
    stream.async_read_some(
        asio::buffer(read_buffer_.get(), kReadBufferBytes),
        [self = shared_from_this()](const boost::system::error_code& error, size_t length) {
          if (self->closed()) return;
          if (error) {
            self->Fail(TransportFailure(kErrConnectionClosed));
            return;
          }
          self->last_activity_ = Clock::now();
          self->ping_outstanding_ = false;  // the peer is alive
          const ssize_t used =
              nghttp2_session_mem_recv(self->session_, self->read_buffer_.get(), length);
          if (used < 0) {
            self->Fail(TransportFailure(kErrConnectionClosed));
            return;
          }
          self->DeliverFinished();
          if (self->closed()) return;
          self->RequestFlush();  // acknowledgements, window updates
          self->CloseIfDrained();
          if (!self->closed()) self->ReadHttp2();
        });
  });
}

void Connection::CloseIfDrained() {
  if (state_ != State::kReady || !streams_.empty()) return;
  const bool session_done = session_ != nullptr && !nghttp2_session_want_read(session_) &&
                            !nghttp2_session_want_write(session_);
  if (going_away_ || exhausted_ || session_done) Fail(TransportFailure(kErrConnectionClosed));
}

// ---- HTTP/1.1 ----

void Connection::SubmitHttp1(std::unique_ptr<Job> job) {
  h1_job_ = std::move(job);
  h1_response_ = Http2Response();
  h1_answer_started_ = false;
  const Http2Request& request = h1_job_->request;
  auto& message = h1_request_.emplace();
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    message.method_string(request.method);
  } else {
    message.method(verb);
  }
  message.target(h1_job_->url.path);
  message.version(11);
  message.set(http::field::host, h1_job_->url.authority);
  for (const auto& [name, value] : request.headers) message.insert(name, value);
  message.body() = request.body;
  if (!request.body.empty() || verb == http::verb::post || verb == http::verb::put) {
    message.prepare_payload();
  }
  message.keep_alive(true);
  WithStream([this](auto& stream) {
    http::async_write(stream, *h1_request_,
                      [self = shared_from_this()](const boost::system::error_code& error, size_t) {
                        if (self->closed()) return;
                        if (error) {
                          self->Fail(TransportFailure(kErrConnectionClosed));
                          return;
                        }
                        self->h1_parser_.emplace();
                        self->h1_parser_->body_limit(boost::none);  // capped while read
                        if (self->h1_job_->request.method == "HEAD") self->h1_parser_->skip(true);
                        self->ReadHttp1();
                      });
  });
}

void Connection::ReadHttp1() {
  auto& body = h1_parser_->get().body();
  body.data = h1_chunk_.data();
  body.size = h1_chunk_.size();
  WithStream([this](auto& stream) {
    http::async_read(stream, h1_buffer_, *h1_parser_,
                     [self = shared_from_this()](boost::system::error_code error, size_t) {
                       self->OnHttp1Read(error);
                     });
  });
}

void Connection::OnHttp1Read(boost::system::error_code error) {
  if (closed() || !h1_job_) return;
  if (error == http::error::need_buffer) error = {};
  if (error) {
    Fail(TransportFailure(kErrConnectionClosed));
    return;
  }
  h1_answer_started_ = true;
  last_activity_ = Clock::now();
  const size_t got = h1_chunk_.size() - h1_parser_->get().body().size;
  AppendCapped(h1_response_.body, h1_chunk_.data(), got);
  if (!h1_parser_->is_done()) {
    ReadHttp1();
    return;
  }
  auto& message = h1_parser_->get();
  h1_response_.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    h1_response_.headers.emplace_back(absl::AsciiStrToLower(std::string(field.name_string())),
                                      std::string(field.value()));
  }
  const bool keep_alive = message.keep_alive();
  h1_parser_.reset();
  h1_request_.reset();
  confirmed_ = true;
  ++h1_exchanges_;
  std::unique_ptr<Job> job = std::move(h1_job_);
  auto keep = shared_from_this();
  if (owner_ != nullptr) {
    owner_->OnRequestDone(this, std::move(job), std::move(h1_response_), false);
  }
  if (!keep_alive) Fail(TransportFailure(kErrConnectionClosed));
}

}  // namespace pushgate::providers::http2_internal
