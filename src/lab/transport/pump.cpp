#include "pump.hpp"

#include <lab/transport/durable.hpp>
#include <lab/transport/transport.hpp>

namespace lab::transport::detail {

Result<std::string> Outbox::add(std::string_view channel, const proto::Envelope& message) {
  Result<std::string> id;
  std::lock_guard lock(mu_);
  auto r = db_->transaction([&](ledger::Db& tx) -> Result<void> {
    id = enqueue(tx, channel, message);
    if (!id) return std::unexpected(id.error());
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return id;
}

Result<std::int64_t> Outbox::depth(std::string_view channel) {
  std::lock_guard lock(mu_);
  return outbox_count(*db_, channel);
}

Pump::Pump(std::unique_ptr<ledger::Db> db, Deliver deliver, std::function<void(std::string_view)> log)
    : db_(std::move(db)), deliver_(std::move(deliver)), log_(std::move(log)) {
  thread_ = std::thread([this] { run(); });
}

Pump::~Pump() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Pump::notify() {
  {
    std::lock_guard lock(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

Result<bool> Pump::deliver_one(std::string_view channel) {
  auto st = db_->prepare("SELECT seq, envelope FROM transport_outbox WHERE channel = ?1 ORDER BY seq LIMIT ?2");
  if (!st) return std::unexpected(st.error());
  st->bind_all(channel, batch_limit_);
  std::vector<std::string> batch;
  std::int64_t last_seq = 0;
  std::size_t bytes = 0;
  while (true) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    std::string text = st->column_text(1);
    if (!batch.empty() && bytes + text.size() > kPumpBatchBytes) break;
    bytes += text.size();
    last_seq = st->column_int64(0);
    batch.push_back(std::move(text));
  }
  st->reset();
  if (batch.empty()) return false;
  if (auto d = deliver_(channel, batch); !d) {
    if (d.error().code == Errc::invalid_argument && batch_limit_ > 1) batch_limit_ = std::max(1, batch_limit_ / 2);
    return std::unexpected(d.error());
  }
  batch_limit_ = kPumpBatchMessages;
  auto del = db_->prepare("DELETE FROM transport_outbox WHERE channel = ?1 AND seq <= ?2");
  if (!del) return std::unexpected(del.error());
  del->bind_all(channel, last_seq);
  if (auto r = del->run(); !r) return std::unexpected(r.error());
  return true;
}

void Pump::run() {
  auto backoff = kRetryInitial;
  int failures = 0;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      nudged_ = false;
    }
    bool progress = false;
    std::optional<Error> failure;
    for (auto channel : known_channels()) {
      auto r = deliver_one(channel);
      if (!r) {
        failure = r.error();
        break;  // the peer is the same for every channel; back off as a whole
      }
      progress = progress || *r;
    }
    std::unique_lock lock(mu_);
    if (failure) {
      if (failures++ == 0)
        log_("cannot deliver queued messages (" + failure->message + "); they stay in the outbox and are retried");
      cv_.wait_for(lock, backoff, [&] { return stop_; });
      backoff = std::min(backoff * 2, kRetryMax);
      continue;
    }
    if (failures > 0) {
      log_("delivering queued messages again after " + std::to_string(failures) + " failed attempts");
      failures = 0;
    }
    backoff = kRetryInitial;
    if (progress) continue;  // there may be more
    cv_.wait_for(lock, kOutboxPollInterval, [&] { return stop_ || nudged_; });
  }
}

}  // namespace lab::transport::detail
