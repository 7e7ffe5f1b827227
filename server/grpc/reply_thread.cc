#include "grpc/reply_thread.h"

#include <utility>

namespace pushgate::grpc_api {

ReplyThread::ReplyThread() : thread_([this] { Run(); }) {}

ReplyThread::~ReplyThread() { Stop(); }

void ReplyThread::Post(std::function<void()> reply) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(reply));
      // One signal per sleep, not per reply: the store posts a whole batch in a row.
      if (sleeping_) {
        sleeping_ = false;
        wake_.notify_one();
      }
      return;
    }
  }
  reply();
}

void ReplyThread::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void ReplyThread::Run() {
  std::vector<std::function<void()>> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (queue_.empty() && !stopping_) {
        sleeping_ = true;
        wake_.wait(lock);
      }
      if (queue_.empty()) return;  // stopping, nothing left
      batch.swap(queue_);
    }
    for (auto& reply : batch) reply();
    batch.clear();
  }
}

}  // namespace pushgate::grpc_api
