#include "db_pool.hpp"

namespace lab::proxy {

Result<DbPool::Lease> DbPool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  auto db = ledger::Db::open(path_);
  if (!db) return std::unexpected(db.error());
  return Lease(this, std::move(*db));
}

void DbPool::give_back(std::unique_ptr<ledger::Db> db) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(db));
}

}  // namespace lab::proxy
