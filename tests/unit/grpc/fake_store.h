// An in-memory store::RegistryStore for service tests. Writes run on a private "writer" thread, as
// in the real store, so the services are exercised with callbacks arriving from another
// thread. Faults can be injected: refuse writes at submission, fail them at "commit", or
// fail reads.
#ifndef PUSHGATE_TESTS_UNIT_GRPC_FAKE_STORE_H_
#define PUSHGATE_TESTS_UNIT_GRPC_FAKE_STORE_H_

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "store/registry_store.h"

namespace pushgate::testing {

class FakeStore final : public store::RegistryStore {
 public:
  FakeStore() : writer_([this] { Run(); }) {}
  ~FakeStore() override { Shutdown(); }

  void RefuseWrites(absl::Status s) {
    std::lock_guard lock(mu_);
    refuse_ = std::move(s);
  }
  void FailCommits(absl::Status s) {
    std::lock_guard lock(mu_);
    fail_commit_ = std::move(s);
  }
  void FailReads(absl::Status s) {
    std::lock_guard lock(mu_);
    fail_read_ = std::move(s);
  }
  // Thread ids the write callbacks ran on.
  std::thread::id writer_thread() const { return writer_.get_id(); }
  std::vector<store::ListTokensQuery> list_queries() {
    std::lock_guard lock(mu_);
    return list_queries_;
  }
  std::vector<domain::Registration> rows() {
    std::lock_guard lock(mu_);
    return rows_;
  }

  absl::Status RegisterToken(domain::RegistrationInput input, int64_t now_ms,
                             store::Callback<store::RegisterResult> done) override {
    return Submit<store::RegisterResult>(std::move(done),
                                         [this, input = std::move(input), now_ms]() mutable {
                                           return DoRegister(std::move(input), now_ms);
                                         });
  }

  absl::Status UnregisterToken(std::string app_id, std::string token,
                               std::optional<domain::Platform> platform, int64_t now_ms,
                               store::Callback<int> done) override {
    return Submit<int>(std::move(done), [=] {
      return End(
          [&](const domain::Registration& r) {
            return r.input.app_id == app_id && r.input.token == token &&
                   (!platform || r.input.platform == *platform);
          },
          domain::InactiveReason::kUnregistered, now_ms);
    });
  }

  absl::Status UnregisterSession(std::string app_id, std::string uid, std::string session_id,
                                 int64_t now_ms, store::Callback<int> done) override {
    return Submit<int>(std::move(done), [=] {
      return End(
          [&](const domain::Registration& r) {
            return r.input.app_id == app_id && r.input.uid == uid &&
                   r.input.session_id == session_id;
          },
          domain::InactiveReason::kSessionEnded, now_ms);
    });
  }

  absl::Status UnregisterUser(std::string app_id, std::string uid, int64_t now_ms,
                              store::Callback<int> done) override {
    return Submit<int>(std::move(done), [=] {
      return End(
          [&](const domain::Registration& r) {
            return r.input.app_id == app_id && r.input.uid == uid;
          },
          domain::InactiveReason::kUserDeleted, now_ms);
    });
  }

  absl::StatusOr<std::vector<domain::Registration>> ListTokens(
      const store::ListTokensQuery& q) override {
    std::lock_guard lock(mu_);
    list_queries_.push_back(q);
    if (!fail_read_.ok()) return fail_read_;
    std::vector<domain::Registration> out;
    for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {  // newest (highest id) first
      const domain::Registration& r = *it;
      if (r.input.app_id != q.app_id || r.input.uid != q.uid) continue;
      if (q.active_only && !r.active) continue;
      if (q.before_id != 0 && r.id >= q.before_id) continue;
      out.push_back(r);
      if (static_cast<int>(out.size()) == q.limit) break;
    }
    return out;
  }

  void Shutdown() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    writer_.join();
  }

 private:
  template <typename T, typename Work>
  absl::Status Submit(store::Callback<T> done, Work work) {
    std::lock_guard lock(mu_);
    if (stopping_) return absl::UnavailableError("store is shutting down");
    if (!refuse_.ok()) return refuse_;
    jobs_.push_back([this, done = std::move(done), work = std::move(work)]() mutable {
      absl::Status fail;
      absl::StatusOr<T> result;
      {
        std::lock_guard lock(mu_);
        fail = fail_commit_;
        if (fail.ok()) result = work();
      }
      // Outside the lock, like the real store: the callback may take its time.
      if (!fail.ok()) {
        done(fail);
      } else {
        done(std::move(result));
      }
    });
    cv_.notify_one();
    return absl::OkStatus();
  }

  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and every queued write is done
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  // Called with mu_ held.
  store::RegisterResult DoRegister(domain::RegistrationInput in, int64_t now_ms) {
    store::RegisterResult result;
    domain::Registration* row = nullptr;
    for (auto& r : rows_) {
      if (r.input.app_id == in.app_id && r.input.platform == in.platform &&
          r.input.token == in.token) {
        row = &r;
      }
    }
    if (row == nullptr) {
      rows_.emplace_back();
      row = &rows_.back();
      row->id = ++last_id_;
      row->created_at_ms = now_ms;
      result.created = true;
    } else {
      result.moved = row->input.uid != in.uid || row->input.session_id != in.session_id;
    }
    row->input = in;
    row->active = true;
    row->inactive_reason = domain::InactiveReason::kNone;
    row->inactive_at_ms = 0;
    row->updated_at_ms = now_ms;
    const int64_t id = row->id;
    // One token per (uid, session, platform): the session's previous token is replaced.
    for (auto& r : rows_) {
      if (r.id != id && r.active && r.input.app_id == in.app_id && r.input.uid == in.uid &&
          r.input.session_id == in.session_id && r.input.platform == in.platform) {
        Deactivate(r, domain::InactiveReason::kReplaced, now_ms);
      }
    }
    for (auto& r : rows_) {
      if (r.id == id) result.registration = r;
    }
    return result;
  }

  template <typename Pred>
  int End(Pred pred, domain::InactiveReason reason, int64_t now_ms) {
    int n = 0;
    for (auto& r : rows_) {
      if (r.active && pred(r)) {
        Deactivate(r, reason, now_ms);
        ++n;
      }
    }
    return n;
  }

  static void Deactivate(domain::Registration& r, domain::InactiveReason reason, int64_t now_ms) {
    r.active = false;
    r.inactive_reason = reason;
    r.inactive_at_ms = now_ms;
    r.updated_at_ms = now_ms;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  absl::Status refuse_;
  absl::Status fail_commit_;
  absl::Status fail_read_;
  std::vector<domain::Registration> rows_;  // ascending id
  std::vector<store::ListTokensQuery> list_queries_;
  int64_t last_id_ = 0;
  std::thread writer_;  // last: starts after the members it uses exist
};

}  // namespace pushgate::testing

#endif  // PUSHGATE_TESTS_UNIT_GRPC_FAKE_STORE_H_
