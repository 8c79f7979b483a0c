// Each task's log and metrics (docs/api.md "Logs", "Metrics"), kept in the proxy's ledger as
// byte chunks keyed by offset, and the in-memory watch list that wakes long-polls when a
// chunk arrives.
#pragma once

#include <lab/ledger/db.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace lab::proxy {

// Which of a task's byte streams: its log, or its metrics lines (JSON, one per line).
enum class Stream { log, metrics };

// Stores `data` at byte `offset` of task `task_id`'s log, in the caller's transaction.
// Returns false (and stores nothing) for a chunk whose offset lies before the log's current
// length: a repeat of bytes already held. A chunk past the end (a gap) is stored at its
// offset; readers skip the missing bytes.
Result<bool> append_log_chunk(ledger::Db& tx, std::string_view task_id, std::int64_t offset, std::string_view data,
                              Stream stream = Stream::log);

// Bytes of the log received so far (0 for a task without any).
Result<std::int64_t> log_length(ledger::Db& db, std::string_view task_id, Stream stream = Stream::log);

// A piece of a log: `data` from `from` on, and the offset to ask for next.
struct LogSlice {
  std::string data;
  std::int64_t next = 0;
};

// The log's bytes from `from` to its current end, at most about `max_bytes` (whole chunks,
// but at least one). `next` is the end of the last byte returned, or `from` if none.
Result<LogSlice> read_log(ledger::Db& db, std::string_view task_id, std::int64_t from, std::size_t max_bytes,
                         Stream stream = Stream::log);

// Wakes long-polls waiting on a task's log. Thread-safe. A waiter registers first, then
// checks the ledger, then waits for the generation to move, so an append between the check
// and the wait is never missed. Entries exist only while someone waits.
class LogWatch {
 public:
  class Ticket;
  // Registers interest in `task_id`; the returned ticket deregisters when destroyed.
  std::unique_ptr<Ticket> watch(const std::string& task_id);
  // Waits until `notify(task_id)` or `stop()` happened after `ticket` was taken, or until
  // `deadline`. Returns true if woken by a notify.
  bool wait(Ticket& ticket, std::chrono::steady_clock::time_point deadline);
  // Something changed for `task_id` (a chunk, or the task became final).
  void notify(const std::string& task_id);
  // Wakes every waiter for good (shutdown).
  void stop();
  // How many long-polls wait right now (for tests and the health page).
  std::size_t waiting() const;

 private:
  struct Entry {
    std::condition_variable cv;
    std::uint64_t generation = 0;
    int waiters = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;  // guarded by mu_
  bool stopped_ = false;                                                 // guarded by mu_
  std::size_t waiting_ = 0;                                              // guarded by mu_
  friend class Ticket;
};

class LogWatch::Ticket {
 public:
  ~Ticket();

 private:
  friend class LogWatch;
  LogWatch* owner_ = nullptr;
  std::string task_id_;
  std::shared_ptr<Entry> entry_;
  std::uint64_t seen_ = 0;
};

}  // namespace lab::proxy
