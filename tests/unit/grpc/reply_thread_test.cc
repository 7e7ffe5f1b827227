#include "grpc/reply_thread.h"

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace pushgate::grpc_api {
namespace {

TEST(ReplyThread, RunsRepliesInOrderOnItsOwnThread) {
  ReplyThread replies;
  std::vector<int> order;
  std::thread::id ran_on;
  // std::promise rather than absl::Notification: Debian's abseil has no TSan annotations.
  std::promise<void> done;
  for (int i = 0; i < 1000; ++i) {
    replies.Post([&, i] {
      order.push_back(i);
      ran_on = std::this_thread::get_id();
      if (i == 999) done.set_value();
    });
  }
  done.get_future().wait();
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(order[i], i);
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(ReplyThread, StopRunsWhatIsQueuedThenRunsInline) {
  std::atomic<int> ran{0};
  ReplyThread replies;
  for (int i = 0; i < 100; ++i) replies.Post([&] { ++ran; });
  replies.Stop();
  EXPECT_EQ(ran.load(), 100);
  std::thread::id ran_on;
  replies.Post([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  replies.Stop();  // idempotent
}

TEST(ReplyThread, ManyPosters) {
  std::atomic<int> ran{0};
  {
    ReplyThread replies;
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t) {
      posters.emplace_back([&] {
        for (int i = 0; i < 10'000; ++i) replies.Post([&] { ++ran; });
      });
    }
    for (auto& p : posters) p.join();
  }  // the destructor drains
  EXPECT_EQ(ran.load(), 40'000);
}

}  // namespace
}  // namespace pushgate::grpc_api
