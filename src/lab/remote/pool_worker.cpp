// The pool's worker side: register, lease, heartbeat, deregister and the calls of one
// attempt (started, logs, results, finished), as docs/worker-protocol.md describes them.
#include "pool.hpp"
#include "store.hpp"

#include <lab/envs/wire.hpp>
#include <lab/proto/envelope.hpp>
#include <lab/sys/clock.hpp>

#include <algorithm>

namespace lab::remote {

Result<Pool::Worker*> Pool::worker_locked(const std::string& worker_id) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end() || it->second.info.name.empty())
    return fail(Errc::not_found, "no worker " + worker_id + " is registered; register again");
  it->second.last_seen = clock_.steady_ms();
  return &it->second;
}

Result<Pool::Entry*> Pool::current_locked(const std::string& task_id, int attempt) {
  auto it = tasks_.find(task_id);
  if (it == tasks_.end() || it->second.task.attempt != attempt || it->second.phase == Phase::queued)
    return fail(Errc::conflict, "attempt " + std::to_string(attempt) + " of task " + task_id +
                                    " is no longer current (the task was requeued, cancelled or has ended); stop it");
  if (auto w = workers_.find(it->second.worker_id); w != workers_.end()) w->second.last_seen = clock_.steady_ms();
  return &it->second;
}

Result<nlohmann::json> Pool::register_worker(const WorkerInfo& info) {
  std::lock_guard lock(mu_);
  if (shut_) return fail(Errc::unavailable, "the remote is stopping; register again in a moment");
  std::string replaced;  // a copy: losing the worker erases the map entry
  for (const auto& [id, w] : workers_)
    if (w.info.name == info.name) replaced = id;
  if (!replaced.empty()) lose_worker_locked(replaced, "registered again");
  const std::string id = "w-" + proto::new_message_id().substr(0, 16);
  auto saved = store::put_worker(db_, store::WorkerRow{id, info.name, to_json(info).dump(), clock_.now_ms()});
  if (!saved) return std::unexpected(saved.error());
  Worker& w = workers_[id];
  w.info = info;
  w.capacity = WorkerCapacity{id, info.name, info.slots, info.cpus, info.memory_bytes, info.gpus};
  w.last_seen = clock_.steady_ms();
  if (log_) log_("worker " + info.name + " registered as " + id);
  queued_cv_.notify_all();
  return nlohmann::json{{"worker_id", id},
                        {"lease_timeout_ms", options_.lease_timeout_ms},
                        {"heartbeat_ms", options_.heartbeat_ms}};
}

nlohmann::json Pool::assignment_locked(const Entry& e) const {
  const ExecTask& t = e.task;
  return nlohmann::json{{"task_id", t.task_id},           {"attempt", t.attempt},
                        {"command", t.command},           {"env", t.env},
                        {"gpus", e.gpus},                 {"cpus", t.cpus},
                        {"memory_bytes", t.memory_bytes}, {"time_limit_s", t.time_limit_s},
                        {"download", t.download},
                        {"environment", envs::environment_to_json(t.environment)},
                        {"environments", options_.environments},
                        {"datasets", datasets::to_json(t.datasets)}};
}

Result<std::optional<nlohmann::json>> Pool::lease(const std::string& worker_id, const Free& offered,
                                                  std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  auto w = worker_locked(worker_id);
  if (!w) return std::unexpected(w.error());
  const auto deadline = std::chrono::steady_clock::now() + std::min(wait, kMaxLeaseWait);
  (*w)->waiting += 1;
  std::optional<nlohmann::json> out;
  while (!shut_) {
    auto it = workers_.find(worker_id);
    if (it == workers_.end()) return fail(Errc::not_found, "worker " + worker_id + " was replaced; register again");
    Worker& me = it->second;
    Free mine = free_locked(me);
    Free f{std::min(offered.slots, mine.slots), std::min(offered.cpus, mine.cpus),
           std::min(offered.memory_bytes, mine.memory_bytes), {}};
    for (int g : offered.gpus)
      if (std::find(mine.gpus.begin(), mine.gpus.end(), g) != mine.gpus.end()) f.gpus.push_back(g);
    if (f.slots > 0) {
      if (auto placed = scheduler_.place(f)) {
        Entry& e = tasks_[placed->task_id];
        e.phase = Phase::assigned;
        e.worker_id = worker_id;
        e.gpus = placed->gpus;
        me.tasks.insert(placed->task_id);
        out = assignment_locked(e);
        break;
      }
    }
    if (queued_cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
  }
  if (auto it = workers_.find(worker_id); it != workers_.end()) {
    it->second.waiting -= 1;
    it->second.last_seen = clock_.steady_ms();
  }
  return out;
}

Result<nlohmann::json> Pool::heartbeat(const std::string& worker_id,
                                       const std::vector<std::pair<std::string, int>>& running) {
  std::lock_guard lock(mu_);
  auto w = worker_locked(worker_id);
  if (!w) return std::unexpected(w.error());
  nlohmann::json cancel = nlohmann::json::array();
  for (const auto& id : (*w)->tasks) {
    const Entry& e = tasks_.at(id);
    if (e.cancel) cancel.push_back({{"task_id", id}, {"attempt", e.task.attempt}});
  }
  for (const auto& [id, attempt] : running) {
    auto it = tasks_.find(id);
    const bool current = it != tasks_.end() && it->second.worker_id == worker_id && it->second.task.attempt == attempt;
    if (!current) cancel.push_back({{"task_id", id}, {"attempt", attempt}});  // stale: stop it
  }
  return nlohmann::json{{"cancel", cancel}};
}

Result<void> Pool::deregister(const std::string& worker_id) {
  std::lock_guard lock(mu_);
  if (auto w = worker_locked(worker_id); !w) return std::unexpected(w.error());
  lose_worker_locked(worker_id, "stopped");
  return {};
}

Result<std::filesystem::path> Pool::folder(const std::string& task_id, int attempt) {
  std::lock_guard lock(mu_);
  auto e = current_locked(task_id, attempt);
  if (!e) return std::unexpected(e.error());
  return (*e)->task.folder;
}

Result<std::filesystem::path> Pool::dataset(const std::string& task_id, int attempt, std::string_view hash) {
  std::lock_guard lock(mu_);
  auto e = current_locked(task_id, attempt);
  if (!e) return std::unexpected(e.error());
  const ExecTask& t = (*e)->task;
  for (const auto& use : t.datasets)
    if (use.hash == hash) return t.datasets_dir / use.hash;
  return fail(Errc::invalid_argument, "task " + task_id + " does not use the dataset " + std::string(hash));
}

Result<void> Pool::started(const std::string& task_id, int attempt, std::int64_t at_ms) {
  std::lock_guard lock(mu_);
  auto e = current_locked(task_id, attempt);
  if (!e) return std::unexpected(e.error());
  if ((*e)->phase == Phase::running) return {};  // a repeated call
  (*e)->phase = Phase::running;
  sink_.started(task_id, attempt, (*e)->worker_id, at_ms);
  return {};
}

Result<std::int64_t> Pool::logs(const std::string& task_id, int attempt, std::int64_t offset, std::string_view data) {
  std::lock_guard lock(mu_);
  auto e = current_locked(task_id, attempt);
  if (!e) return std::unexpected(e.error());
  std::int64_t& received = (*e)->task.log_bytes;
  if (offset < 0 || offset > received)
    return fail(Errc::invalid_argument, "log offset " + std::to_string(offset) + " does not follow the " +
                                            std::to_string(received) + " bytes received; resend from " +
                                            std::to_string(received));
  const auto skip = static_cast<std::size_t>(received - offset);
  if (skip < data.size()) {
    std::string_view fresh = data.substr(skip);
    received += static_cast<std::int64_t>(fresh.size());
    sink_.log(task_id, attempt, fresh);
  }
  return received;
}

Result<void> Pool::check_current(const std::string& task_id, int attempt) {
  std::lock_guard lock(mu_);
  auto e = current_locked(task_id, attempt);
  if (!e) return std::unexpected(e.error());
  return {};
}

Result<void> Pool::results_stored(const std::string& task_id, int attempt, std::vector<std::string> keys) {
  std::lock_guard lock(mu_);
  auto e = current_locked(task_id, attempt);
  if (!e) return std::unexpected(e.error());
  (*e)->result_keys = std::move(keys);
  return {};
}

Result<void> Pool::finished(const std::string& task_id, int attempt, const FinishReport& report) {
  std::lock_guard lock(mu_);
  auto e = current_locked(task_id, attempt);
  if (!e) return std::unexpected(e.error());
  ExecOutcome out;
  out.exit_code = report.exit_code;
  out.cpu_seconds = std::max(0.0, report.cpu_seconds);
  out.wall_seconds = std::max(0.0, report.wall_seconds);
  if ((*e)->result_keys) out.result_keys = *(*e)->result_keys;
  else if (options_.stored_results) out.result_keys = options_.stored_results(task_id);
  if ((*e)->cancel) {
    out.status = ExecOutcome::Status::cancelled;
    out.reason = "cancelled while running";
  } else if (report.exit_code == 0 && report.reason.empty() && !report.signal) {
    out.status = ExecOutcome::Status::completed;
  } else {
    out.status = ExecOutcome::Status::failed;
    out.reason = !report.reason.empty() ? report.reason
                 : report.signal        ? "killed by signal " + std::to_string(*report.signal)
                 : report.exit_code     ? "exit code " + std::to_string(*report.exit_code)
                                        : "the worker reported no exit code";
  }
  finish_locked(task_id, out);
  return {};
}

}  // namespace lab::remote
