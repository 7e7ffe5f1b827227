#include "store/write_txn.h"

namespace pushgate::store {

// One fixed name is enough: jobs run one after another and each savepoint is released or
// rolled back before the next job starts. Prepared once (the statement cache), not compiled
// per job: every ingest opens one, and compiling SAVEPOINT and RELEASE cost more than running
// them.
void WriteTxn::Exec(const char* sql) { statements_.Get(sql)->exec(); }

void WriteTxn::OpenSavepoint() {
  if (savepoint_open_) return;
  Exec("SAVEPOINT job");
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
  Exec("ROLLBACK TO job");
  Exec("RELEASE job");
}

void WriteTxn::ReleaseJob() {
  if (!savepoint_open_) return;
  savepoint_open_ = false;
  Exec("RELEASE job");
}

}  // namespace pushgate::store
