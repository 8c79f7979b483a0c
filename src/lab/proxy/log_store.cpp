#include "log_store.hpp"

#include <span>

namespace lab::proxy {
namespace {

// The tables holding `stream`: its length row and its chunks.
struct Tables {
  const char* length;
  const char* chunks;
};
Tables tables(Stream stream) {
  return stream == Stream::metrics ? Tables{"proxy_metrics", "proxy_metric_chunks"}
                                   : Tables{"proxy_logs", "proxy_log_chunks"};
}

}  // namespace

Result<bool> append_log_chunk(ledger::Db& tx, std::string_view task_id, std::int64_t offset, std::string_view data,
                              Stream stream) {
  if (offset < 0) return fail(Errc::invalid_argument, "a log chunk's offset must not be negative");
  const Tables t = tables(stream);
  auto length = log_length(tx, task_id, stream);
  if (!length) return std::unexpected(length.error());
  if (offset < *length) return false;
  if (data.empty()) return true;
  auto ins = tx.prepare(std::string("INSERT INTO ") + t.chunks + "(task_id, start, data) VALUES (?, ?, ?)");
  if (!ins) return std::unexpected(ins.error());
  ins->bind(1, task_id).bind(2, offset);
  ins->bind_blob(3, std::span(reinterpret_cast<const unsigned char*>(data.data()), data.size()));
  if (auto r = ins->run(); !r) return std::unexpected(r.error());
  auto len = tx.prepare(std::string("INSERT INTO ") + t.length +
                        "(task_id, length) VALUES (?1, ?2) ON CONFLICT(task_id) DO UPDATE SET length = excluded.length");
  if (!len) return std::unexpected(len.error());
  len->bind_all(task_id, offset + static_cast<std::int64_t>(data.size()));
  if (auto r = len->run(); !r) return std::unexpected(r.error());
  return true;
}

Result<std::int64_t> log_length(ledger::Db& db, std::string_view task_id, Stream stream) {
  auto st = db.prepare(std::string("SELECT length FROM ") + tables(stream).length + " WHERE task_id = ?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, task_id);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return *row ? st->column_int64(0) : 0;
}

Result<LogSlice> read_log(ledger::Db& db, std::string_view task_id, std::int64_t from, std::size_t max_bytes,
                         Stream stream) {
  LogSlice out;
  out.next = from;
  const std::string chunks = tables(stream).chunks;
  // The chunk holding `from` (the last starting at or before it), then every later one.
  auto st = db.prepare("SELECT start, data FROM " + chunks + " WHERE task_id = ?1 AND start >= coalesce("
                       "(SELECT max(start) FROM " + chunks + " WHERE task_id = ?1 AND start <= ?2), 0) ORDER BY start");
  if (!st) return std::unexpected(st.error());
  st->bind_all(task_id, from);
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    const std::int64_t start = st->column_int64(0);
    auto bytes = st->column_blob(1);
    const std::int64_t end = start + static_cast<std::int64_t>(bytes.size());
    if (end <= out.next) continue;  // wholly before `from`
    const std::size_t skip = start < out.next ? static_cast<std::size_t>(out.next - start) : 0;
    out.data.append(reinterpret_cast<const char*>(bytes.data()) + skip, bytes.size() - skip);
    out.next = end;
    if (out.data.size() >= max_bytes) break;
  }
  return out;
}

std::unique_ptr<LogWatch::Ticket> LogWatch::watch(const std::string& task_id) {
  auto t = std::make_unique<Ticket>();
  std::lock_guard lock(mu_);
  auto& e = entries_[task_id];
  if (!e) e = std::make_shared<Entry>();
  ++e->waiters;
  t->owner_ = this;
  t->task_id_ = task_id;
  t->entry_ = e;
  t->seen_ = e->generation;
  return t;
}

LogWatch::Ticket::~Ticket() {
  if (!owner_) return;
  std::lock_guard lock(owner_->mu_);
  if (--entry_->waiters == 0) owner_->entries_.erase(task_id_);
}

bool LogWatch::wait(Ticket& ticket, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  ++waiting_;
  ticket.entry_->cv.wait_until(lock, deadline,
                               [&] { return stopped_ || ticket.entry_->generation != ticket.seen_; });
  --waiting_;
  const bool woken = ticket.entry_->generation != ticket.seen_;
  ticket.seen_ = ticket.entry_->generation;
  return woken;
}

void LogWatch::notify(const std::string& task_id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(task_id);
  if (it == entries_.end()) return;
  ++it->second->generation;
  it->second->cv.notify_all();
}

void LogWatch::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  for (auto& [id, e] : entries_) e->cv.notify_all();
}

std::size_t LogWatch::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

}  // namespace lab::proxy
