// The listening side's durable mailbox: messages per channel with delivery state and a
// visibility deadline, handed out in order, one batch in flight per channel. Waiting
// receivers are woken by a condition variable when a message arrives or is acked.
// Private to src/lab/transport.
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/proto/envelope.hpp>
#include <lab/result.hpp>
#include <lab/sys/clock.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lab::transport::detail {

// Acked rows are kept this long so a sender's retry of a message already delivered and
// acked is recognised and not delivered again.
inline constexpr std::int64_t kAckedRetentionMs = 3'600'000;
inline constexpr std::int64_t kPruneIntervalMs = 60'000;

// A message as stored: its id and its envelope as JSON text.
struct Stored {
  std::string id;
  std::string json;
};

// Thread-safe: one mutex guards the connection and all state.
class Mailbox {
 public:
  // Opens its own connection to `db_path` (tables must exist).
  static Result<std::unique_ptr<Mailbox>> open(const std::filesystem::path& db_path, sys::Clock& clock,
                                               std::chrono::milliseconds visibility);

  // Stores `messages` at the end of `channel`, skipping ids already held (acked or not);
  // wakes waiting receivers. Returns how many were new.
  Result<int> put(std::string_view channel, const std::vector<proto::Envelope>& messages);

  // Applies `acks` first, then waits up to `wait` for messages of `channel`: returns up to
  // `max` of the oldest unacked ones (marking them delivered until now + visibility), or an
  // empty list if none became available. Nothing is handed out while an earlier delivery of
  // this channel is unacked and still within its visibility deadline.
  // After `close`, fails with Errc::unavailable.
  Result<std::vector<Stored>> take(std::string_view channel, std::chrono::milliseconds wait, int max,
                                   const std::vector<std::string>& acks);

  // Marks `ids` acked; returns how many were unacked before.
  Result<int> ack(std::string_view channel, const std::vector<std::string>& ids);

  // Unacked messages of `channel`, oldest first.
  Result<std::vector<Stored>> pending(std::string_view channel);

  std::chrono::milliseconds visibility() const { return visibility_; }

  // Wakes every waiting `take` and makes later ones fail. Idempotent.
  void close();

 private:
  Mailbox(std::unique_ptr<ledger::Db> db, sys::Clock& clock, std::chrono::milliseconds visibility)
      : db_(std::move(db)), clock_(clock), visibility_(visibility) {}
  // A cached prepared statement, reset and ready for binds. REQUIRES: mu_ held.
  Result<ledger::Statement*> stmt(const char* sql);
  Result<int> ack_locked(std::string_view channel, const std::vector<std::string>& ids);
  Result<void> prune_locked(std::int64_t now);

  std::mutex mu_;
  std::condition_variable cv_;                               // signalled on put, ack, close
  std::unique_ptr<ledger::Db> db_;                           // guarded by mu_
  std::map<const char*, ledger::Statement> statements_;      // guarded by mu_
  std::int64_t last_prune_ms_ = 0;                           // guarded by mu_
  bool closed_ = false;                                      // guarded by mu_
  sys::Clock& clock_;
  const std::chrono::milliseconds visibility_;
};

}  // namespace lab::transport::detail
