// The worker pool's metrics lines and its picture for the admin page (docs/metrics.md,
// docs/worker-protocol.md "Metrics").
#include "pool.hpp"

#include <lab/sys/clock.hpp>

#include <algorithm>

namespace lab::remote {

Result<std::int64_t> Pool::metrics(const std::string& task_id, int attempt, std::int64_t offset, std::string_view data) {
  std::lock_guard lock(mu_);
  auto e = current_locked(task_id, attempt);
  if (!e) return std::unexpected(e.error());
  if (offset < 0) return fail(Errc::invalid_argument, "metrics offset must not be negative");
  Entry& entry = **e;
  if (entry.metrics_attempt != attempt) {
    entry.metrics_attempt = attempt;
    entry.metrics_bytes = 0;
  }
  // Past what this remote received (it restarted meanwhile): the lines before are gone.
  if (offset > entry.metrics_bytes) entry.metrics_bytes = offset;
  const auto skip = static_cast<std::size_t>(entry.metrics_bytes - offset);
  if (skip < data.size()) {
    std::string_view fresh = data.substr(skip);
    entry.metrics_bytes += static_cast<std::int64_t>(fresh.size());
    sink_.metrics(task_id, attempt, fresh);
  }
  return entry.metrics_bytes;
}

std::vector<PoolEntry> Pool::entries() {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.steady_ms();
  std::vector<PoolEntry> out;
  for (const auto& [id, w] : workers_) {
    PoolEntry p;
    p.name = w.info.name.empty() ? id : w.info.name;
    p.kind = "worker";
    p.gpus_total = static_cast<int>(w.info.gpus.size());
    p.cpus_total = w.info.cpus;
    p.memory_bytes = w.info.memory_bytes;
    for (const auto& task_id : w.tasks) {
      auto it = tasks_.find(task_id);
      if (it == tasks_.end()) continue;
      p.task_ids.push_back(task_id);
      p.gpus_allocated += static_cast<int>(it->second.gpus.size());
      p.cpus_allocated += std::max(1, it->second.task.cpus);
    }
    const bool silent = w.waiting == 0 && now - w.last_seen > options_.heartbeat_ms * 2;
    const bool full = p.cpus_allocated >= p.cpus_total && p.gpus_allocated >= p.gpus_total;
    p.state = silent ? "silent" : p.task_ids.empty() ? "idle" : full ? "busy" : "mixed";
    p.source = "worker registration (GPUs, CPUs, memory); remote's assignments (allocated, tasks)";
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace lab::remote
