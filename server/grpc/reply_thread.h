// Finishes gRPC calls on a thread of our own rather than on the store's writer thread.
//
// Finishing a call is not free: gRPC serialises the response and often writes it to the
// socket right there (sendmsg). Measured under grpc_bench, that took about a third of the
// store writer's time when done in the store callback, and the writer is the one thread
// every write waits for. The store callback therefore only posts the result here; this
// thread fills the response and calls Finish.
#ifndef PUSHGATE_GRPC_REPLY_THREAD_H_
#define PUSHGATE_GRPC_REPLY_THREAD_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace pushgate::grpc_api {

class ReplyThread {
 public:
  ReplyThread();
  // Runs what is still queued, then joins.
  ~ReplyThread();
  ReplyThread(const ReplyThread&) = delete;
  ReplyThread& operator=(const ReplyThread&) = delete;

  // Queues `reply` to run on the reply thread, in posting order. Cheap: a lock and a move,
  // plus a wake-up only when the thread sleeps. After Stop(), runs `reply` inline.
  void Post(std::function<void()> reply);

  // Runs what is queued and stops the thread. Idempotent.
  void Stop();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool sleeping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_REPLY_THREAD_H_
