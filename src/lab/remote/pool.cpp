// The pool's executor side and its shared rules: submit, adopt, cancel, losing a worker,
// finishing a task. Worker calls are in pool_worker.cpp.
#include "pool.hpp"
#include "store.hpp"

#include <lab/sys/clock.hpp>

#include <algorithm>

namespace lab::remote {

Pool::Pool(PoolOptions options, ExecutorSink& sink, ledger::Db& db, sys::Clock& clock,
           std::function<void(std::string_view)> log)
    : options_(std::move(options)), sink_(sink), db_(db), clock_(clock), log_(std::move(log)) {
  auto rows = store::list_workers(db_);
  if (!rows) {
    if (log_) log_("cannot read the registered workers: " + rows.error().message);
    return;
  }
  for (const auto& row : *rows) {
    auto info = worker_info_from_json(nlohmann::json::parse(row.info_json, nullptr, false));
    if (!info) continue;
    Worker& w = workers_[row.worker_id];
    w.info = *info;
    w.capacity = WorkerCapacity{row.worker_id, info->name, info->slots, info->cpus, info->memory_bytes, info->gpus};
    w.last_seen = clock_.steady_ms();
  }
}

Demand Pool::demand_of(const ExecTask& t) const {
  return Demand{t.task_id, t.user, t.high_priority, t.cpus, t.memory_bytes, t.gpus};
}

Free Pool::free_locked(const Worker& w) const {
  Free f{w.capacity.slots, w.capacity.cpus, w.capacity.memory_bytes, w.capacity.gpus};
  for (const auto& id : w.tasks) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    const ExecTask& t = it->second.task;
    f.slots -= 1;
    f.cpus -= t.cpus;
    f.memory_bytes -= std::min(f.memory_bytes, t.memory_bytes);
    std::erase_if(f.gpus, [&](int g) {
      return std::find(it->second.gpus.begin(), it->second.gpus.end(), g) != it->second.gpus.end();
    });
  }
  f.slots = std::max(0, f.slots);
  f.cpus = std::max(0, f.cpus);
  return f;
}

std::string Pool::wait_reason_locked(const std::string& task_id) const {
  std::vector<WorkerCapacity> caps;
  std::map<std::string, Free> free;
  for (const auto& [id, w] : workers_) {
    if (w.info.name.empty()) continue;  // a worker known only from before a restart
    caps.push_back(w.capacity);
    free[id] = free_locked(w);
  }
  std::string r = scheduler_.wait_reason(task_id, caps, free);
  return r.empty() ? "queued" : r;
}

void Pool::enqueue_locked(Entry& e) {
  e.phase = Phase::queued;
  e.worker_id.clear();
  e.gpus.clear();
  e.result_keys.reset();
  e.task.log_bytes = 0;
  scheduler_.enqueue(demand_of(e.task));
  queued_cv_.notify_all();
}

Result<void> Pool::submit(const ExecTask& task) {
  std::lock_guard lock(mu_);
  if (shut_) return fail(Errc::unavailable, "the worker pool is stopping");
  if (tasks_.count(task.task_id)) return fail(Errc::already_exists, "task " + task.task_id + " is already in the pool");
  Entry& e = tasks_[task.task_id];
  e.task = task;
  enqueue_locked(e);
  sink_.queued(task.task_id, task.attempt, wait_reason_locked(task.task_id));
  return {};
}

Result<void> Pool::adopt(const ExecTask& task, const std::string& worker_id) {
  std::lock_guard lock(mu_);
  if (shut_) return fail(Errc::unavailable, "the worker pool is stopping");
  if (tasks_.count(task.task_id)) return fail(Errc::already_exists, "task " + task.task_id + " is already in the pool");
  auto [it, fresh] = workers_.try_emplace(worker_id);
  if (fresh) {
    // Not registered any more: keep a nameless stand-in that the watchdog times out.
    it->second.capacity.worker_id = worker_id;
    it->second.capacity.slots = 0;
    it->second.last_seen = clock_.steady_ms();
  }
  it->second.tasks.insert(task.task_id);
  Entry& e = tasks_[task.task_id];
  e.task = task;
  e.phase = Phase::running;
  e.worker_id = worker_id;
  return {};
}

void Pool::cancel(const std::string& task_id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) return;
  Entry& e = it->second;
  if (e.phase == Phase::running) {
    e.cancel = true;  // the worker hears it in its next heartbeat and reports `finished`
    return;
  }
  ExecOutcome out;
  out.status = ExecOutcome::Status::cancelled;
  out.reason = "cancelled before it started";
  finish_locked(task_id, out);  // an assigned worker gets 409 from now on and drops it
}

void Pool::shutdown() {
  std::lock_guard lock(mu_);
  shut_ = true;
  queued_cv_.notify_all();
}

void Pool::finish_locked(const std::string& task_id, const ExecOutcome& outcome) {
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) return;
  const int attempt = it->second.task.attempt;
  if (auto w = workers_.find(it->second.worker_id); w != workers_.end()) w->second.tasks.erase(task_id);
  scheduler_.remove(task_id);
  tasks_.erase(it);
  sink_.finished(task_id, attempt, outcome);
  queued_cv_.notify_all();  // resources were freed
}

void Pool::lose_worker_locked(const std::string& worker_id_ref, const std::string& why) {
  const std::string worker_id = worker_id_ref;  // the caller's string may live in the entry erased below
  auto wit = workers_.find(worker_id);
  if (wit == workers_.end()) return;
  const std::set<std::string> held = wit->second.tasks;
  const std::string name = wit->second.info.name.empty() ? worker_id : wit->second.info.name;
  workers_.erase(wit);
  if (auto r = store::remove_worker(db_, worker_id); !r && log_) log_("cannot forget worker " + name + ": " + r.error().message);
  if (log_) log_("worker " + name + " " + why + (held.empty() ? "" : "; it loses " + std::to_string(held.size()) + " task(s)"));
  for (const auto& id : held) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    Entry& e = it->second;
    e.task.lost += 1;
    ExecOutcome out;
    if (e.cancel) {
      out.status = ExecOutcome::Status::cancelled;
      out.reason = "cancelled; its worker " + name + " " + why;
      finish_locked(id, out);
    } else if (e.task.lost > options_.max_requeues) {
      out.status = ExecOutcome::Status::failed;
      out.reason = "lost its worker " + std::to_string(e.task.lost) + " times";
      finish_locked(id, out);
    } else {
      const int old = e.task.attempt;
      e.task.attempt += 1;
      enqueue_locked(e);
      sink_.requeued(id, e.task.attempt, e.task.lost,
                     "worker " + name + " " + why + " during attempt " + std::to_string(old) +
                         "; the task is queued again as attempt " + std::to_string(e.task.attempt),
                     wait_reason_locked(id));
    }
  }
}

void Pool::sweep() {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.steady_ms();
  std::vector<std::string> silent;
  for (const auto& [id, w] : workers_)
    if (w.waiting == 0 && now - w.last_seen > options_.lease_timeout_ms) silent.push_back(id);
  for (const auto& id : silent)
    lose_worker_locked(id, "stopped answering for more than " + std::to_string(options_.lease_timeout_ms / 1000) + " s");
}

}  // namespace lab::remote
