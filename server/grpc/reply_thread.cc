#include "grpc/reply_thread.h"

#include <utility>

namespace pushgate::grpc_api {

ReplyThread::ReplyThread() : thread_([this] { Run(); }) {}

ReplyThread::~ReplyThread() { Stop(); }

void ReplyThread::Post(std::function<void()> reply) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(std::move(reply));
      // One signal per sleep, not per reply: the store posts a whole batch in a row.
      if (sleeping_) {
        sleeping_ = false;
        wake_.Signal();
      }
      return;
    }
  }
  reply();
}

void ReplyThread::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    wake_.Signal();
  }
  if (thread_.joinable()) thread_.join();
}

void ReplyThread::Run() {
  std::vector<std::function<void()>> batch;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) {
        sleeping_ = true;
        wake_.Wait(&mu_);
      }
      if (queue_.empty()) return;  // stopping, nothing left
      batch.swap(queue_);
    }
    for (auto& reply : batch) reply();
    batch.clear();
  }
}

}  // namespace pushgate::grpc_api
