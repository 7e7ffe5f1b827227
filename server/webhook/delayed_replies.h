// Runs callbacks after a delay on one helper thread: how the webhook holds back its answer to
// a source that keeps failing Basic Auth without parking an I/O thread. Callbacks still
// pending when this is destroyed run at once, so every request gets its answer.
#ifndef PUSHGATE_WEBHOOK_DELAYED_REPLIES_H_
#define PUSHGATE_WEBHOOK_DELAYED_REPLIES_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace pushgate::webhook {

class DelayedReplies {
 public:
  DelayedReplies();
  ~DelayedReplies();
  DelayedReplies(const DelayedReplies&) = delete;
  DelayedReplies& operator=(const DelayedReplies&) = delete;

  void RunAfter(std::chrono::milliseconds delay, std::function<void()> callback);

 private:
  using Clock = std::chrono::steady_clock;
  struct Item {
    Clock::time_point due;
    uint64_t sequence;  // FIFO among equal due times
    std::function<void()> callback;
    bool operator>(const Item& other) const {
      return due != other.due ? due > other.due : sequence > other.sequence;
    }
  };
  void Loop();

  std::mutex mu_;
  std::condition_variable changed_;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> items_;
  uint64_t next_sequence_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_DELAYED_REPLIES_H_
