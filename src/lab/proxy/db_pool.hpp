// SQLite connections for the HTTP handler threads: a `Db` is one connection and not
// thread-safe, so each request borrows one for as long as it needs it and gives it back.
#pragma once

#include <lab/ledger/db.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace lab::proxy {

// Thread-safe. Opens connections lazily (the file must already be migrated) and keeps at
// most `max_idle` of them for reuse; a burst beyond that opens and closes extra ones.
class DbPool {
 public:
  explicit DbPool(std::filesystem::path path, std::size_t max_idle = 64)
      : path_(std::move(path)), max_idle_(max_idle) {}

  // A borrowed connection, given back when destroyed. Must not outlive the pool.
  class Lease {
   public:
    Lease(DbPool* pool, std::unique_ptr<ledger::Db> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease() {
      if (pool_ && db_) pool_->give_back(std::move(db_));
    }
    ledger::Db& operator*() const { return *db_; }
    ledger::Db* operator->() const { return db_.get(); }

   private:
    DbPool* pool_;
    std::unique_ptr<ledger::Db> db_;
  };

  // An idle connection, or a new one. Fails like `Db::open`.
  Result<Lease> acquire();

 private:
  void give_back(std::unique_ptr<ledger::Db> db);

  std::filesystem::path path_;
  std::size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<ledger::Db>> idle_;  // guarded by mu_
};

}  // namespace lab::proxy
