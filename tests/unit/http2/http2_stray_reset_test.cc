// The stray-reset filter against real nghttp2 sessions wired to each other in memory: a reset
// of a stream nghttp2 still has goes out, one of a closed or never opened stream does not, and
// the filter is what libcurl's calls reach in this binary.
#include "providers/http2_stray_reset.h"

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace pushgate::providers::http2_internal {
namespace {

constexpr size_t kFrameHeaderBytes = 9;

// What one side of the connection wrote, and how to hand it to the other side.
struct Wire {
  std::string out;
  bool answer_requests = true;  // server side: answer each request at once
  static ssize_t Send(nghttp2_session*, const uint8_t* data, size_t length, int, void* self) {
    static_cast<Wire*>(self)->out.append(reinterpret_cast<const char*>(data), length);
    return static_cast<ssize_t>(length);
  }
};

// The frame types in `bytes` (a sequence of whole frames).
std::string FrameTypes(const std::string& bytes) {
  std::string types;
  for (size_t at = 0; at + kFrameHeaderBytes <= bytes.size();) {
    const auto* h = reinterpret_cast<const uint8_t*>(bytes.data() + at);
    const size_t length = (size_t{h[0]} << 16) | (size_t{h[1]} << 8) | h[2];
    types.push_back(static_cast<char>('0' + h[3]));
    at += kFrameHeaderBytes + length;
  }
  return types;
}

class StrayResetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nghttp2_session_callbacks* callbacks = nullptr;
    ASSERT_EQ(nghttp2_session_callbacks_new(&callbacks), 0);
    nghttp2_session_callbacks_set_send_callback(callbacks, &Wire::Send);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &AnswerRequests);
    ASSERT_EQ(nghttp2_session_client_new(&client_, callbacks, &client_wire_), 0);
    ASSERT_EQ(nghttp2_session_server_new(&server_, callbacks, &server_wire_), 0);
    nghttp2_session_callbacks_del(callbacks);
    ASSERT_EQ(nghttp2_submit_settings(client_, NGHTTP2_FLAG_NONE, nullptr, 0), 0);
    ASSERT_EQ(nghttp2_submit_settings(server_, NGHTTP2_FLAG_NONE, nullptr, 0), 0);
    Exchange();
  }
  void TearDown() override {
    nghttp2_session_del(client_);
    nghttp2_session_del(server_);
  }

  // The server answers every request as APNs accepts a push: HEADERS with END_STREAM.
  static int AnswerRequests(nghttp2_session* session, const nghttp2_frame* frame, void* wire) {
    if (nghttp2_session_check_server_session(session) == 0) return 0;
    if (!static_cast<Wire*>(wire)->answer_requests) return 0;
    if (frame->hd.type != NGHTTP2_HEADERS || !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      return 0;
    }
    static const nghttp2_nv kStatus = {
        const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(":status")),
        const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>("200")), 7, 3, NGHTTP2_NV_FLAG_NONE};
    return nghttp2_submit_response(session, frame->hd.stream_id, &kStatus, 1, nullptr);
  }

  int32_t SubmitRequest() {
    static const char* const kHeaders[][2] = {
        {":method", "POST"}, {":scheme", "https"}, {":authority", "a"}, {":path", "/3/device/x"}};
    nghttp2_nv nva[4];
    for (int i = 0; i < 4; ++i) {
      nva[i] = {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(kHeaders[i][0])),
                const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(kHeaders[i][1])),
                std::char_traits<char>::length(kHeaders[i][0]),
                std::char_traits<char>::length(kHeaders[i][1]), NGHTTP2_NV_FLAG_NONE};
    }
    return nghttp2_submit_request(client_, nullptr, nva, 4, nullptr, nullptr);
  }

  // Runs both sides until neither has anything to say.
  void Exchange() {
    for (int round = 0; round < 8; ++round) {
      ASSERT_EQ(nghttp2_session_send(client_), 0);
      ASSERT_EQ(nghttp2_session_send(server_), 0);
      std::string to_server = client_wire_.out.substr(delivered_to_server_);
      delivered_to_server_ = client_wire_.out.size();
      std::string to_client = server_wire_.out.substr(delivered_to_client_);
      delivered_to_client_ = server_wire_.out.size();
      if (to_server.empty() && to_client.empty()) return;
      ASSERT_EQ(nghttp2_session_mem_recv(
                    server_, reinterpret_cast<const uint8_t*>(to_server.data()), to_server.size()),
                static_cast<ssize_t>(to_server.size()));
      ASSERT_EQ(nghttp2_session_mem_recv(
                    client_, reinterpret_cast<const uint8_t*>(to_client.data()), to_client.size()),
                static_cast<ssize_t>(to_client.size()));
    }
  }

  // Frame types the client wrote since it had written `from` bytes (a frame boundary).
  std::string ClientFramesSince(size_t from) { return FrameTypes(client_wire_.out.substr(from)); }

  nghttp2_session* client_ = nullptr;
  nghttp2_session* server_ = nullptr;
  Wire client_wire_;
  Wire server_wire_;
  size_t delivered_to_server_ = 0;
  size_t delivered_to_client_ = 0;
};

const char kRstStream = '0' + NGHTTP2_RST_STREAM;

TEST_F(StrayResetTest, LibcurlsCallsReachTheFilter) { EXPECT_TRUE(StrayResetFilterActive()); }

TEST_F(StrayResetTest, ResetOfAClosedStreamIsDropped) {
  const int32_t stream_id = SubmitRequest();
  ASSERT_GT(stream_id, 0);
  Exchange();  // request out, answer with END_STREAM in: the stream is closed on both sides
  ASSERT_EQ(nghttp2_session_find_stream(client_, stream_id), nullptr);
  const uint64_t dropped_before = StrayResetsDropped();
  const size_t sent_before = client_wire_.out.size();

  EXPECT_EQ(FilteredSubmitRstStream(client_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_STREAM_CLOSED),
            0);
  Exchange();
  EXPECT_EQ(ClientFramesSince(sent_before).find(kRstStream), std::string::npos);
  EXPECT_EQ(StrayResetsDropped(), dropped_before + 1);
}

TEST_F(StrayResetTest, ResetOfANeverOpenedStreamIsDropped) {
  const uint64_t dropped_before = StrayResetsDropped();
  EXPECT_EQ(FilteredSubmitRstStream(client_, NGHTTP2_FLAG_NONE, 41, NGHTTP2_CANCEL), 0);
  EXPECT_EQ(nghttp2_session_want_write(client_), 0);
  EXPECT_EQ(StrayResetsDropped(), dropped_before + 1);
}

TEST_F(StrayResetTest, ResetOfAnOpenStreamGoesOut) {
  // The server gets the request but never answers it: a timed-out push, cancelled by libcurl.
  server_wire_.answer_requests = false;
  const int32_t stream_id = SubmitRequest();
  ASSERT_GT(stream_id, 0);
  Exchange();
  ASSERT_NE(nghttp2_session_find_stream(client_, stream_id), nullptr);
  const uint64_t dropped_before = StrayResetsDropped();
  const size_t sent_before = client_wire_.out.size();

  EXPECT_EQ(FilteredSubmitRstStream(client_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL), 0);
  Exchange();
  EXPECT_NE(ClientFramesSince(sent_before).find(kRstStream), std::string::npos);
  EXPECT_EQ(StrayResetsDropped(), dropped_before);
}

TEST_F(StrayResetTest, ConnectionLevelCallsAreNotJudged) {
  // Stream 0 is the connection: nghttp2 itself refuses it; the filter passes it through.
  EXPECT_EQ(FilteredSubmitRstStream(client_, NGHTTP2_FLAG_NONE, 0, NGHTTP2_CANCEL),
            NGHTTP2_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace pushgate::providers::http2_internal
