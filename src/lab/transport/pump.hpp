// The outbox delivery thread: takes the oldest outbox messages of each channel, hands them
// to `deliver` in order, and deletes them once `deliver` succeeds; retries with backoff
// while it fails. Private to src/lab/transport.
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/proto/envelope.hpp>
#include <lab/result.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lab::transport::detail {

// How often the outbox is looked at without a notify (messages enqueued by other connections).
inline constexpr std::chrono::milliseconds kOutboxPollInterval{200};
// Backoff while the peer fails: starts here, doubles, stops growing at the max.
inline constexpr std::chrono::milliseconds kRetryInitial{50};
inline constexpr std::chrono::milliseconds kRetryMax{2000};
// At most this many messages / bytes in one delivery.
inline constexpr int kPumpBatchMessages = 256;
inline constexpr std::size_t kPumpBatchBytes = 4u << 20;

// Delivers envelopes (JSON texts, in order) of one channel. Success means the peer has them
// durably. Errc::invalid_argument with "too large" makes the pump retry with smaller batches.
using Deliver = std::function<Result<void>(std::string_view channel, const std::vector<std::string>& envelopes)>;

// The sending half every backend shares: the outbox table through one connection of its own.
// Thread-safe.
class Outbox {
 public:
  explicit Outbox(std::unique_ptr<ledger::Db> db) : db_(std::move(db)) {}
  // Enqueues `message` (transport/durable.hpp) in a transaction of its own and returns its id;
  // the caller then wakes its pump.
  Result<std::string> add(std::string_view channel, const proto::Envelope& message);
  // Messages of `channel` still in the outbox.
  Result<std::int64_t> depth(std::string_view channel);

 private:
  std::mutex mu_;
  std::unique_ptr<ledger::Db> db_;  // guarded by mu_
};

class Pump {
 public:
  // Starts the thread; `db` is used only by it.
  Pump(std::unique_ptr<ledger::Db> db, Deliver deliver, std::function<void(std::string_view)> log);
  // Stops and joins the thread (an in-progress delivery finishes first).
  ~Pump();
  // Wakes the thread to look at the outbox now. Thread-safe.
  void notify();

 private:
  void run();
  // Delivers one batch of `channel`. true = something was delivered.
  Result<bool> deliver_one(std::string_view channel);

  std::unique_ptr<ledger::Db> db_;  // used only by the thread
  Deliver deliver_;
  std::function<void(std::string_view)> log_;
  int batch_limit_ = kPumpBatchMessages;  // used only by the thread
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;    // guarded by mu_
  bool nudged_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace lab::transport::detail
