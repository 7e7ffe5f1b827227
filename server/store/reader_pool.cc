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
  std::lock_guard<std::mutex> lock(pool->mu_);
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
  std::unique_lock<std::mutex> lock(mu_);
  reader_returned_.wait(lock, [this] { return closed_ || !idle_.empty(); });
  if (closed_) return absl::UnavailableError("store is shut down");
  std::unique_ptr<Reader> reader = std::move(idle_.back());
  idle_.pop_back();
  return Lease(this, std::move(reader));
}

void ReaderPool::Return(std::unique_ptr<Reader> reader) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_) {
      idle_.push_back(std::move(reader));
      reader_returned_.notify_one();
      return;
    }
  }
  CloseReader(std::move(reader));
}

void ReaderPool::Close() {
  std::vector<std::unique_ptr<Reader>> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    idle.swap(idle_);
  }
  reader_returned_.notify_all();  // waiters see closed_ and give up
  for (auto& reader : idle) CloseReader(std::move(reader));
}

}  // namespace pushgate::store
