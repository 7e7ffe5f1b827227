#include "store/reader_pool.h"

#include <algorithm>
#include <utility>

namespace pushgate::store {
namespace {

void CloseReader(std::unique_ptr<ReaderPool::Reader> reader) {
  if (reader == nullptr) return;
  reader->statements.reset();  // finalize statements before their connection closes
  reader->db.reset();
}

}  // namespace

ReaderPool::Lease::~Lease() {
  if (reader_ != nullptr) pool_->Return(std::move(reader_));
}

absl::StatusOr<std::unique_ptr<ReaderPool>> ReaderPool::Open(const ConnectionSettings& settings,
                                                             int connections) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  absl::MutexLock lock(&pool->mu_);
  for (int i = 0; i < std::max(1, connections); ++i) {
    absl::StatusOr<std::unique_ptr<SQLite::Database>> db =
        OpenConnection(settings, ConnectionRole::kReader);
    if (!db.ok()) return db.status();
    auto reader = std::make_unique<Reader>();
    reader->db = *std::move(db);
    reader->statements = std::make_unique<StatementCache>(*reader->db);
    pool->idle_.push_back(std::move(reader));
  }
  return pool;
}

absl::StatusOr<ReaderPool::Lease> ReaderPool::Acquire() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](ReaderPool* pool) { return pool->closed_ || !pool->idle_.empty(); }, this));
  if (closed_) return absl::UnavailableError("store is shut down");
  std::unique_ptr<Reader> reader = std::move(idle_.back());
  idle_.pop_back();
  return Lease(this, std::move(reader));
}

void ReaderPool::Return(std::unique_ptr<Reader> reader) {
  absl::MutexLock lock(&mu_);
  if (closed_) {
    CloseReader(std::move(reader));
    return;
  }
  idle_.push_back(std::move(reader));
}

void ReaderPool::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (auto& reader : idle_) CloseReader(std::move(reader));
  idle_.clear();
}

}  // namespace pushgate::store
