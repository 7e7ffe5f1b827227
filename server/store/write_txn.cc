#include "store/write_txn.h"

namespace pushgate::store {

// One fixed name is enough: jobs run one after another and each savepoint is released or
// rolled back before the next job starts.
void WriteTxn::OpenSavepoint() {
  if (savepoint_open_) return;
  db_.exec("SAVEPOINT job");
  savepoint_open_ = true;
}

void WriteTxn::StartJob() {
  savepoint_open_ = false;
  changes_mark_ = changes_.size();
}

void WriteTxn::RollbackJob() {
  changes_.resize(changes_mark_);
  if (!savepoint_open_) return;
  savepoint_open_ = false;
  // ROLLBACK TO leaves the savepoint on the stack; RELEASE removes it.
  db_.exec("ROLLBACK TO job");
  db_.exec("RELEASE job");
}

void WriteTxn::ReleaseJob() {
  if (!savepoint_open_) return;
  savepoint_open_ = false;
  db_.exec("RELEASE job");
}

}  // namespace pushgate::store
