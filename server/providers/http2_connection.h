// One outbound connection of the HTTP/2 client: resolve (or the pool's `resolve` pin), connect,
// TLS handshake with ALPN, then either an nghttp2 client session multiplexing streams or, when
// the destination allows it and the server picked HTTP/1.1, one Beast exchange at a time.
// Client thread only; internal to providers/http2_*.
//
// Frames are written in batches: a flush serialises everything nghttp2 has queued
// (nghttp2_session_mem_send) into one buffer and writes it with one async_write, and flushes
// are posted so that the requests and acknowledgements of one turn of the loop share a write.
#ifndef PUSHGATE_PROVIDERS_HTTP2_CONNECTION_H_
#define PUSHGATE_PROVIDERS_HTTP2_CONNECTION_H_

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "providers/http2_job.h"
#include "providers/http2_url.h"

struct nghttp2_session;

namespace pushgate::providers::http2_internal {

// Where a pool's connections go and how they must speak.
struct ConnectionTarget {
  bool tls = true;
  std::string host;
  uint16_t port = 443;
  std::vector<std::string> pinned_addresses;  // from TlsSettings::resolve; empty: DNS
  bool require_http2 = true;
};

struct ConnectionTimeouts {
  Clock::duration connect = std::chrono::seconds(10);
  Clock::duration ping_interval = std::chrono::seconds(60);
  Clock::duration ping_timeout = std::chrono::seconds(20);
  Clock::duration idle = std::chrono::minutes(55);
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // What a connection tells its pool. Calls never re-enter the connection.
  class Owner {
   public:
    virtual ~Owner() = default;
    virtual void OnConnectionReady(Connection* connection) = 0;
    // Before it was ready (resolve, connect, TLS, ALPN, connect timeout).
    virtual void OnConnectionFailed(Connection* connection, const Http2Response& failure) = 0;
    // A request's outcome; `retry` when the server cannot have processed it (not sent,
    // REFUSED_STREAM, above a GOAWAY's last stream id).
    virtual void OnRequestDone(Connection* connection, std::unique_ptr<Job> job,
                               Http2Response response, bool retry) = 0;
    // After OnConnectionReady, once it is closed; its requests were handed back before.
    virtual void OnConnectionClosed(Connection* connection) = 0;
    // The connection can take more (or fewer) requests than before: SETTINGS, GOAWAY.
    virtual void OnCapacityChanged(Connection* connection) = 0;
  };

  Connection(boost::asio::io_context& io, Owner* owner,
             std::shared_ptr<boost::asio::ssl::context> tls_context, ConnectionTarget target,
             ConnectionTimeouts timeouts);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();

  bool connecting() const { return state_ == State::kConnecting; }
  bool ready() const { return state_ == State::kReady; }
  bool closed() const { return state_ == State::kClosed; }
  bool http2() const { return http2_; }
  // A response arrived on it: until then it carries one request at a time.
  bool confirmed() const { return confirmed_; }
  bool accepting() const { return state_ == State::kReady && !going_away_ && !exhausted_; }
  size_t active() const;
  // Requests it may carry at once: 1 until confirmed and for HTTP/1.1, then the peer's
  // SETTINGS_MAX_CONCURRENT_STREAMS (at most kMaxStreamsPerConnection).
  size_t capacity() const;
  static constexpr size_t kMaxStreamsPerConnection = 1000;

  // Requires accepting() and active() < capacity().
  void Submit(std::unique_ptr<Job> job);
  // Per-request and connect timeouts, PING keep-alive, stuck writes, idle close.
  void Sweep(Clock::time_point now);
  // Closes without telling the owner; returns the requests it carried (shutdown, pool drop).
  std::vector<std::unique_ptr<Job>> Abandon();

 private:
  enum class State { kConnecting, kReady, kClosed };
  struct Stream {
    std::unique_ptr<Job> job;
    Http2Response response;
    size_t body_sent = 0;
    bool headers_sent = false;
    bool interim = false;  // the headers being received belong to a 1xx answer
  };
  struct Finished {
    std::unique_ptr<Job> job;
    Http2Response response;
    bool retry;
  };

  template <class Endpoints>
  void Connect(const Endpoints& endpoints);
  void Handshake();
  void OnEstablished(bool negotiated_h2, bool negotiated_http11);
  void Fail(const Http2Response& failure);
  void CloseSocket();
  void DeliverFinished();

  // HTTP/2.
  bool StartSession();
  void SubmitHttp2(std::unique_ptr<Job> job);
  void RequestFlush();
  void Flush();
  void ReadHttp2();
  void CloseIfDrained();
  Stream* Find(int32_t stream_id);
  void FinishStream(int32_t stream_id, Http2Response response, bool retry);
  friend struct SessionCallbacks;

  // HTTP/1.1.
  void SubmitHttp1(std::unique_ptr<Job> job);
  void ReadHttp1();
  void OnHttp1Read(boost::system::error_code error);

  template <class Fn>
  void WithStream(Fn&& fn) {
    if (target_.tls) {
      fn(stream_);
    } else {
      fn(stream_.next_layer());
    }
  }

  boost::asio::io_context& io_;
  Owner* owner_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  const ConnectionTarget target_;
  const ConnectionTimeouts timeouts_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  State state_ = State::kConnecting;
  Clock::time_point connect_deadline_;
  Clock::time_point last_activity_;
  bool http2_ = false;
  bool confirmed_ = false;
  std::vector<Finished> finished_;

  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  bool going_away_ = false;
  bool exhausted_ = false;  // no stream ids left
  int32_t goaway_last_stream_id_ = INT32_MAX;
  std::unique_ptr<uint8_t[]> read_buffer_;
  std::string write_buffer_;
  bool writing_ = false;
  bool flush_posted_ = false;
  Clock::time_point write_started_;
  bool ping_outstanding_ = false;
  Clock::time_point ping_sent_;

  std::unique_ptr<Job> h1_job_;
  Http2Response h1_response_;
  uint64_t h1_exchanges_ = 0;
  bool h1_answer_started_ = false;
  boost::beast::flat_buffer h1_buffer_;
  std::optional<boost::beast::http::request<boost::beast::http::string_body>> h1_request_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> h1_parser_;
  std::array<char, 16384> h1_chunk_;
};

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_CONNECTION_H_
