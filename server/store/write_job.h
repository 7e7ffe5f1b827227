// A unit of work for the writer (sqlite_writer.h): it runs inside a batch transaction and is
// told the outcome only after that transaction committed or failed.
#ifndef PUSHGATE_STORE_WRITE_JOB_H_
#define PUSHGATE_STORE_WRITE_JOB_H_

#include <functional>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/callback.h"
#include "store/write_txn.h"

namespace pushgate::store {

// Whether a job needs its own savepoint. Savepoints cost two statements per job, which the
// ingest path cannot afford at tens of thousands of rows per second, so a job that runs one
// writing statement (which SQLite undoes by itself when it fails) declares so.
enum class JobShape { kSingleStatement, kMultiStatement };

class WriteJob {
 public:
  explicit WriteJob(JobShape shape) : shape_(shape) {}
  virtual ~WriteJob() = default;

  JobShape shape() const { return shape_; }

  // Runs the job's statements. A non-OK status (or a thrown SQLite::Exception) means this job
  // failed: its writes are undone and its outcome is that error. An environmental SQLite error
  // (disk full, I/O, locked) fails the whole batch instead.
  virtual absl::Status Run(WriteTxn& txn) = 0;

  // Called once, on the writer thread, after the batch's COMMIT (with OK, or with this job's own
  // error) or after the batch failed as a whole (UNAVAILABLE). Must not block for long: the
  // next batch waits for it.
  virtual void Complete(const absl::Status& outcome) = 0;

 private:
  JobShape shape_;
};

template <typename T>
using WriteBody = std::function<absl::StatusOr<T>(WriteTxn&)>;

// A job made of a function and a callback; the body's value reaches the callback only once
// the transaction holding its writes has committed.
template <typename T>
class FunctionWriteJob final : public WriteJob {
 public:
  FunctionWriteJob(JobShape shape, WriteBody<T> body, Callback<T> done)
      : WriteJob(shape), body_(std::move(body)), done_(std::move(done)) {}

  absl::Status Run(WriteTxn& txn) override {
    result_.emplace(body_(txn));
    return result_->status();
  }

  void Complete(const absl::Status& outcome) override {
    if (outcome.ok() && result_.has_value()) {
      done_(std::move(*result_));
    } else {
      done_(outcome.ok() ? absl::InternalError("write job did not run") : outcome);
    }
  }

 private:
  WriteBody<T> body_;
  Callback<T> done_;
  std::optional<absl::StatusOr<T>> result_;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_WRITE_JOB_H_
