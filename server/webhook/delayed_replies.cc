#include "webhook/delayed_replies.h"

#include <utility>

namespace pushgate::webhook {

DelayedReplies::DelayedReplies() : thread_([this] { Loop(); }) {}

DelayedReplies::~DelayedReplies() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void DelayedReplies::RunAfter(std::chrono::milliseconds delay, std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push(Item{Clock::now() + delay, next_sequence_++, std::move(callback)});
  }
  changed_.notify_all();
}

void DelayedReplies::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (items_.empty()) {
      if (stopping_) return;
      changed_.wait(lock);
      continue;
    }
    if (!stopping_ && items_.top().due > Clock::now()) {
      changed_.wait_until(lock, items_.top().due);
      continue;
    }
    // priority_queue::top is const; the callback is moved out through a copy of the item.
    Item item = items_.top();
    items_.pop();
    lock.unlock();
    item.callback();
    lock.lock();
  }
}

}  // namespace pushgate::webhook
