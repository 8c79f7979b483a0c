// What the remote tells the proxy besides task states and logs: each task's metrics lines
// (docs/metrics.md) and the executor's compute pool for the admin page (docs/messages.md).
#include "core.hpp"

#include <lab/transport/durable.hpp>

namespace lab::remote {
namespace {

// Each task's metrics bytes sent so far over all attempts: the offsets of metrics_chunk.
constexpr const char* kMetricsTable =
    "CREATE TABLE IF NOT EXISTS remote_metrics ("
    "  task_id TEXT PRIMARY KEY,"
    "  bytes   INTEGER NOT NULL CHECK (bytes >= 0)) STRICT, WITHOUT ROWID";

Result<std::int64_t> metrics_sent(ledger::Db& tx, const std::string& task_id) {
  if (auto r = tx.exec(kMetricsTable); !r) return std::unexpected(r.error());
  auto st = tx.prepare("SELECT bytes FROM remote_metrics WHERE task_id = ?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, task_id);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return *row ? st->column_int64(0) : 0;
}

proto::PoolSlot slot_of(const PoolEntry& e) {
  return {e.name, e.kind, e.state, e.gpus_total, e.gpus_allocated, e.cpus_total, e.cpus_allocated,
          static_cast<std::int64_t>(e.memory_bytes), e.task_ids, e.source};
}

}  // namespace

void Core::metrics(const std::string& task_id, int, std::string_view lines) {
  (void)write([&](ledger::Db& tx) -> Result<void> {
    auto sent = metrics_sent(tx, task_id);
    if (!sent) return std::unexpected(sent.error());
    std::string_view data = lines;
    const std::string clean = utf8_clean(data);
    data = clean;
    std::int64_t offset = *sent;
    const std::int64_t now = clock_->now_ms();
    while (!data.empty()) {
      // Cut after a whole line where one fits, so every chunk holds whole lines.
      std::size_t n = utf8_cut(data, kMaxLogChunkBytes);
      if (n < data.size()) {
        const auto nl = data.substr(0, n).rfind('\n');
        if (nl != std::string_view::npos) n = nl + 1;
      }
      proto::MetricsChunk c{task_id, offset, std::string(data.substr(0, n))};
      if (auto q = transport::enqueue(tx, transport::kToLocal, proto::encode(c, now)); !q) return std::unexpected(q.error());
      offset += static_cast<std::int64_t>(n);
      data.remove_prefix(n);
    }
    auto up = tx.prepare("INSERT INTO remote_metrics(task_id, bytes) VALUES (?1, ?2) "
                         "ON CONFLICT(task_id) DO UPDATE SET bytes = excluded.bytes");
    if (!up) return std::unexpected(up.error());
    up->bind_all(task_id, offset);
    return up->run();
  });
}

void Core::announce_pool(std::chrono::milliseconds refresh) {
  if (!executor_) return;
  std::vector<proto::PoolSlot> slots;
  for (const auto& e : executor_->pool()) slots.push_back(slot_of(e));
  std::lock_guard lock(pool_mu_);
  const std::int64_t now = clock_->now_ms();
  if (last_pool_ms_ != 0 && slots == last_pool_ && now - last_pool_ms_ < refresh.count()) return;
  proto::PoolSnapshot m{config_.executor.type, now, slots};
  auto r = write([&](ledger::Db& tx) -> Result<void> {
    auto q = transport::enqueue(tx, transport::kToLocal, proto::encode(m, now));
    if (!q) return std::unexpected(q.error());
    return {};
  });
  if (!r) return;
  last_pool_ = std::move(slots);
  last_pool_ms_ = now;
}

}  // namespace lab::remote
