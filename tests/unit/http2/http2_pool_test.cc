// Pool housekeeping: idle transfers are trimmed to the recent peak, idle pools are detected.
#include "providers/http2_pool.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <vector>

#include "gtest/gtest.h"

namespace pushgate::providers::http2_internal {
namespace {

std::unique_ptr<Pool> MakePool() {
  Http2Request first;
  first.pool = "p";
  auto pool = Pool::Create(first, TransferSettings());
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? *std::move(pool) : nullptr;
}

std::vector<Transfer*> AcquireN(Pool& pool, int n) {
  std::vector<Transfer*> transfers;
  for (int i = 0; i < n; ++i) {
    auto transfer = pool.Acquire();
    EXPECT_TRUE(transfer.ok()) << transfer.status();
    if (transfer.ok()) transfers.push_back(*transfer);
  }
  return transfers;
}

TEST(PoolTest, IdleTransfersAreReused) {
  auto pool = MakePool();
  ASSERT_TRUE(pool);
  std::vector<Transfer*> first = AcquireN(*pool, 3);
  for (Transfer* t : first) pool->Release(t);
  AcquireN(*pool, 3);
  EXPECT_EQ(pool->transfers().size(), 3u);
}

TEST(PoolTest, TrimKeepsThePeakSinceTheLastTrimThenShrinks) {
  auto pool = MakePool();
  ASSERT_TRUE(pool);
  std::vector<Transfer*> burst = AcquireN(*pool, 20);
  for (Transfer* t : burst) pool->Release(t);

  pool->TrimIdleTransfers();  // the burst was this interval's peak: keep them
  EXPECT_EQ(pool->transfers().size(), 20u);

  std::vector<Transfer*> quiet = AcquireN(*pool, 2);
  pool->TrimIdleTransfers();  // peak 2 in use, below the minimum: keep kMinTransfers in all
  EXPECT_EQ(pool->transfers().size(), Pool::kMinTransfers);
  // The transfers in use survived.
  for (Transfer* t : quiet) {
    bool found = false;
    for (const auto& owned : pool->transfers()) found |= owned.get() == t;
    EXPECT_TRUE(found);
  }
}

TEST(PoolTest, IdleSinceNeedsNoTransferInUseAndNoRecentUse) {
  auto pool = MakePool();
  ASSERT_TRUE(pool);
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);
  EXPECT_TRUE(pool->IdleSince(later));
  std::vector<Transfer*> in_use = AcquireN(*pool, 1);
  EXPECT_FALSE(pool->IdleSince(later));  // a transfer is out
  pool->Release(in_use[0]);
  EXPECT_TRUE(pool->IdleSince(later));
  EXPECT_FALSE(pool->IdleSince(std::chrono::steady_clock::now() - std::chrono::hours(1)));
}

int CorkOf(curl_socket_t s) {
  int value = -1;
  socklen_t length = sizeof(value);
  EXPECT_EQ(getsockopt(s, IPPROTO_TCP, TCP_CORK, &value, &length), 0);
  return value;
}

// The client corks a pool's connections for a pass and uncorks them before it waits; a socket
// left corked would hold the pass's last frames back (up to 200 ms, the kernel's limit).
TEST(PoolTest, CorkingCoversEveryOpenConnectionAndUncorkingReleasesThem) {
  auto pool = MakePool();
  ASSERT_TRUE(pool);
  curl_sockaddr address{};
  address.family = AF_INET;
  address.socktype = SOCK_STREAM;
  address.protocol = IPPROTO_TCP;
  // Opened through libcurl's callback, as libcurl would: the pool tracks them.
  const curl_socket_t first = Pool::OpenSocket(pool.get(), CURLSOCKTYPE_IPCXN, &address);
  const curl_socket_t second = Pool::OpenSocket(pool.get(), CURLSOCKTYPE_IPCXN, &address);
  ASSERT_NE(first, CURL_SOCKET_BAD);
  ASSERT_NE(second, CURL_SOCKET_BAD);
  EXPECT_EQ(CorkOf(first), 0);

  pool->CorkConnections(true);
  EXPECT_EQ(CorkOf(first), 1);
  EXPECT_EQ(CorkOf(second), 1);
  pool->CorkConnections(false);
  EXPECT_EQ(CorkOf(first), 0);
  EXPECT_EQ(CorkOf(second), 0);

  // A closed connection is no longer the pool's to cork.
  EXPECT_EQ(Pool::CloseSocket(pool.get(), first), 0);
  EXPECT_EQ(pool->open_connections(), 1u);
  pool->CorkConnections(true);
  EXPECT_EQ(CorkOf(second), 1);
  pool->CorkConnections(false);
  EXPECT_EQ(Pool::CloseSocket(pool.get(), second), 0);
}

}  // namespace
}  // namespace pushgate::providers::http2_internal
