#include "mailbox.hpp"

namespace lab::transport::detail {

Result<std::unique_ptr<Mailbox>> Mailbox::open(const std::filesystem::path& db_path, sys::Clock& clock,
                                               std::chrono::milliseconds visibility) {
  auto db = ledger::Db::open(db_path);
  if (!db) return std::unexpected(db.error());
  return std::unique_ptr<Mailbox>(new Mailbox(std::move(*db), clock, visibility));
}

Result<ledger::Statement*> Mailbox::stmt(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto st = db_->prepare(sql);
    if (!st) return std::unexpected(st.error());
    it = statements_.emplace(sql, std::move(*st)).first;
  }
  it->second.reset();
  return &it->second;
}

Result<int> Mailbox::put(std::string_view channel, const std::vector<proto::Envelope>& messages) {
  int added = 0;
  {
    std::lock_guard lock(mu_);
    if (closed_) return fail(Errc::unavailable, "the mailbox is shutting down");
    const auto now = clock_.now_ms();
    auto r = db_->transaction([&](ledger::Db& tx) -> Result<void> {
      auto st = stmt(
          "INSERT OR IGNORE INTO transport_mailbox(channel, id, envelope, received_at_ms) VALUES(?1, ?2, ?3, ?4)");
      if (!st) return std::unexpected(st.error());
      for (const auto& m : messages) {
        (*st)->reset();
        (*st)->bind_all(channel, m.id, proto::serialize(m), now);
        if (auto e = (*st)->run(); !e) return e;
        added += tx.changes();
      }
      return prune_locked(now);
    });
    if (!r) return std::unexpected(r.error());
  }
  cv_.notify_all();
  return added;
}

Result<void> Mailbox::prune_locked(std::int64_t now) {
  if (now - last_prune_ms_ < kPruneIntervalMs) return {};
  last_prune_ms_ = now;
  auto st = stmt("DELETE FROM transport_mailbox WHERE state = 2 AND acked_at_ms < ?1");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, now - kAckedRetentionMs);
  return (*st)->run();
}

Result<int> Mailbox::ack_locked(std::string_view channel, const std::vector<std::string>& ids) {
  if (ids.empty()) return 0;
  int acked = 0;
  const auto now = clock_.now_ms();
  auto r = db_->transaction([&](ledger::Db& tx) -> Result<void> {
    auto st = stmt("UPDATE transport_mailbox SET state = 2, acked_at_ms = ?1 WHERE channel = ?2 AND id = ?3 AND state < 2");
    if (!st) return std::unexpected(st.error());
    for (const auto& id : ids) {
      (*st)->reset();
      (*st)->bind_all(now, channel, id);
      if (auto e = (*st)->run(); !e) return e;
      acked += tx.changes();
    }
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return acked;
}

Result<int> Mailbox::ack(std::string_view channel, const std::vector<std::string>& ids) {
  Result<int> r;
  {
    std::lock_guard lock(mu_);
    r = ack_locked(channel, ids);
  }
  cv_.notify_all();
  return r;
}

Result<std::vector<Stored>> Mailbox::take(std::string_view channel, std::chrono::milliseconds wait, int max,
                                          const std::vector<std::string>& acks) {
  using steady = std::chrono::steady_clock;
  const auto give_up = steady::now() + wait;
  std::unique_lock lock(mu_);
  if (!acks.empty()) {
    if (auto a = ack_locked(channel, acks); !a) return std::unexpected(a.error());
  }
  while (true) {
    if (closed_) return fail(Errc::unavailable, "the mailbox is shutting down");
    const auto now = clock_.now_ms();
    // Is an earlier delivery of this channel still invisible? Then nothing may overtake it.
    auto busy = stmt("SELECT MIN(deadline_ms) FROM transport_mailbox WHERE channel = ?1 AND state = 1 AND deadline_ms > ?2");
    if (!busy) return std::unexpected(busy.error());
    (*busy)->bind_all(channel, now);
    if (auto row = (*busy)->step(); !row) return std::unexpected(row.error());
    auto in_flight_until = (*busy)->column_opt_int64(0);
    (*busy)->reset();
    if (!in_flight_until) {
      std::vector<Stored> out;
      std::int64_t first_seq = 0, last_seq = 0;
      auto sel = stmt("SELECT seq, id, envelope FROM transport_mailbox INDEXED BY transport_mailbox_unacked "
                      "WHERE channel = ?1 AND state < 2 ORDER BY seq LIMIT ?2");
      if (!sel) return std::unexpected(sel.error());
      (*sel)->bind_all(channel, max);
      while (true) {
        auto row = (*sel)->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        last_seq = (*sel)->column_int64(0);
        if (out.empty()) first_seq = last_seq;
        out.push_back({(*sel)->column_text(1), (*sel)->column_text(2)});
      }
      (*sel)->reset();
      if (!out.empty()) {
        auto upd = stmt(
            "UPDATE transport_mailbox SET state = 1, deadline_ms = ?1, deliveries = deliveries + 1 "
            "WHERE seq BETWEEN ?3 AND ?4 AND channel = ?2 AND state < 2");
        if (!upd) return std::unexpected(upd.error());
        (*upd)->bind_all(now + visibility_.count(), channel, first_seq, last_seq);
        if (auto e = (*upd)->run(); !e) return std::unexpected(e.error());
        return out;
      }
    }
    auto wake = give_up;
    if (in_flight_until) wake = std::min(wake, steady::now() + std::chrono::milliseconds(*in_flight_until - now));
    if (steady::now() >= give_up) return std::vector<Stored>{};
    cv_.wait_until(lock, wake);
  }
}

Result<std::vector<Stored>> Mailbox::pending(std::string_view channel) {
  std::lock_guard lock(mu_);
  auto st = stmt("SELECT id, envelope FROM transport_mailbox INDEXED BY transport_mailbox_unacked "
                 "WHERE channel = ?1 AND state < 2 ORDER BY seq");
  if (!st) return std::unexpected(st.error());
  (*st)->bind(1, channel);
  std::vector<Stored> out;
  while (true) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({(*st)->column_text(0), (*st)->column_text(1)});
  }
  (*st)->reset();
  return out;
}

void Mailbox::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace lab::transport::detail
