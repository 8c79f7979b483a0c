// The Slurm executor's Executor calls and its watch loop. Per-job work is in
// slurm_executor_job.cpp; sinfo for the admin page in slurm_pool.cpp.
#include "slurm_executor.hpp"

#include "slurm_executor_impl.hpp"

#include <lab/slurm/runner.hpp>
#include <lab/sys/clock.hpp>

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace lab::remote {

SlurmExecutor::SlurmExecutor(const ExecutorContext& ctx, std::unique_ptr<ledger::Db> db,
                             std::shared_ptr<slurm::CommandRunner> runner, sys::Clock& clock)
    : cfg_(ctx.config.executor),
      sink_(*ctx.sink),
      storage_(ctx.storage),
      scratch_dir_(std::filesystem::path(ctx.config.paths.cache_dir) / "slurm-results"),
      log_(ctx.log),
      db_(std::move(db)),
      runner_(std::move(runner)),
      clock_(clock),
      client_(slurm::tools_from_config(cfg_), *runner_, clock) {
  // sinfo lives beside squeue (a path keeps its folder; a bare name is looked up on PATH).
  std::filesystem::path squeue(cfg_.squeue);
  sinfo_ = squeue.has_parent_path() ? (squeue.parent_path() / "sinfo").string() : "sinfo";
}

SlurmExecutor::~SlurmExecutor() { stop(); }

void SlurmExecutor::start() {
  watcher_ = std::thread([this] { watch(); });
  for (int i = 0; i < std::max(1, cfg_.sbatch_parallel); ++i) submitters_.emplace_back([this] { submit_loop(); });
}

Result<void> SlurmExecutor::submit(const ExecTask& task) {
  std::lock_guard lock(mu_);
  if (stopped_) return fail(Errc::unavailable, "the Slurm executor is stopping");
  if (jobs_.count(task.task_id)) return fail(Errc::already_exists, "task " + task.task_id + " is already in Slurm");
  SlurmJob job;
  job.task = task;
  // A job submitted before a restart (the task comes back queued, with a new attempt
  // number) is kept: never a second sbatch for one task.
  Result<std::optional<slurm_jobs::Row>> row;
  {
    std::lock_guard db_lock(db_mu_);
    row = slurm_jobs::find(*db_, task.task_id);
  }
  if (row && *row) {
    job.job_name = (*row)->job_name;
    job.job_id = (*row)->job_id;
    job.uncertain = job.job_id.empty();
    job.metrics_bytes = (*row)->metrics_bytes;
  } else {
    job.job_name = slurm::job_name_for("lab", task.task_id, task.attempt);
  }
  db_put(job);  // before sbatch: a restart then knows the job may exist (never two)
  auto [it, _] = jobs_.emplace(task.task_id, std::move(job));
  queued_locked(it->second, it->second.job_id.empty() ? "handing the task to Slurm"
                                                      : "waiting in Slurm as job " + it->second.job_id);
  if (it->second.job_id.empty()) {
    to_submit_.push_back(task.task_id);
    submit_cv_.notify_one();
  } else {
    wake_ = true;
    cv_.notify_all();
  }
  return {};
}

Result<void> SlurmExecutor::adopt(const ExecTask& task, const std::string& where) {
  std::lock_guard lock(mu_);
  if (stopped_) return fail(Errc::unavailable, "the Slurm executor is stopping");
  if (where.empty() || !std::all_of(where.begin(), where.end(), [](char c) { return std::isdigit((unsigned char)c) || c == '_'; }))
    return fail(Errc::invalid_argument, "task " + task.task_id + " ran as '" + where + "', which is not a Slurm job id");
  SlurmJob job;
  job.task = task;
  job.job_id = where;
  job.started = true;
  job.log_skip = task.log_bytes;
  Result<std::optional<slurm_jobs::Row>> row;
  {
    std::lock_guard db_lock(db_mu_);
    row = slurm_jobs::find(*db_, task.task_id);
  }
  job.job_name = row && *row ? (*row)->job_name : slurm::job_name_for("lab", task.task_id, task.attempt);
  if (row && *row) job.metrics_bytes = (*row)->metrics_bytes;
  db_put(job);
  jobs_.emplace(task.task_id, std::move(job));
  wake_ = true;
  cv_.notify_all();
  return {};
}

void SlurmExecutor::cancel(const std::string& task_id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(task_id);
  if (it == jobs_.end()) return;
  SlurmJob& job = it->second;
  job.cancel_requested = true;
  if (job.job_id.empty() && !job.submitting) {
    // Never reached Slurm: nothing to stop.
    const int attempt = job.task.attempt;
    jobs_.erase(it);
    db_remove(task_id);
    end_unrun_locked(task_id, attempt, ExecOutcome::Status::cancelled, "cancelled before it reached Slurm");
    return;
  }
  wake_ = true;
  cv_.notify_all();
}

void SlurmExecutor::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  cv_.notify_all();
  submit_cv_.notify_all();
  for (auto& t : submitters_)
    if (t.joinable()) t.join();
  if (watcher_.joinable()) watcher_.join();
}

std::chrono::steady_clock::time_point SlurmExecutor::next_poll_locked() const {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [_, job] : jobs_)
    if (!job.job_id.empty() && !job.started && now - job.submitted_at < kFastPollWindow)
      return now + std::chrono::milliseconds(std::max(50, cfg_.first_poll_ms));
  return now + std::chrono::milliseconds(std::max(50, cfg_.poll_interval_ms));
}

std::chrono::steady_clock::time_point SlurmExecutor::next_look_locked() const {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [_, job] : jobs_)
    if (!job.job_id.empty() && !job.started && now - job.submitted_at < kFastPollWindow) return now + kFastLook;
  return now + kLookInterval;
}

void SlurmExecutor::watch() {
  std::unique_lock lock(mu_);
  next_poll_ = next_poll_locked();
  auto next_look = next_look_locked();
  while (!stopped_) {
    // Submit threads move next_poll_ earlier (and notify) when a job gets its id.
    if (!wake_ && std::chrono::steady_clock::now() < next_poll_) {
      next_look = std::min(next_look, next_look_locked());  // a job just submitted: look often
      if (std::chrono::steady_clock::now() >= next_look) {
        look_locked();
        next_look = next_look_locked();
      }
      cv_.wait_until(lock, std::min(next_poll_, next_look));
      continue;
    }
    wake_ = false;
    lock.unlock();
    poll_once();
    lock.lock();
    next_poll_ = next_poll_locked();
  }
}

void SlurmExecutor::poll_once() {
  cancel_waiting();
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [_, job] : jobs_)
      if (!job.job_id.empty()) ids.push_back(job.job_id);
  }
  if (ids.empty()) return;
  const std::unordered_set<std::string> asked(ids.begin(), ids.end());
  auto seen = client_.poll(ids);  // ONE squeue for every job of this remote
  std::vector<std::pair<SlurmJob, std::optional<slurm::JobStatus>>> ended;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    if (!seen) {
      // The controller does not answer: jobs keep running; waiting ones say why they wait.
      for (auto& [_, job] : jobs_)
        if (!job.started) queued_locked(job, std::string(slurm::kSchedulerDown));
      return;
    }
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      SlurmJob& job = it->second;
      if (job.job_id.empty() || !asked.contains(job.job_id)) {  // its id came while squeue ran
        ++it;
        continue;
      }
      auto st = seen->find(job.job_id);
      std::optional<slurm::JobStatus> status;
      if (st != seen->end()) {
        if (!apply_locked(job, st->second)) {
          follow(job, false);
          ++it;
          continue;
        }
        status = st->second;
      }
      // Ended, or gone from squeue (its final state comes from scontrol or sacct).
      ended.emplace_back(std::move(job), std::move(status));
      it = jobs_.erase(it);
    }
  }
  for (auto& [job, status] : ended) finish(std::move(job), std::move(status));
}

void SlurmExecutor::say(const std::string& line) const {
  if (log_) log_(line);
}

Result<std::unique_ptr<Executor>> make_slurm_executor(const ExecutorContext& ctx,
                                                      std::shared_ptr<slurm::CommandRunner> runner) {
  if (ctx.config.executor.poll_interval_ms <= 0)
    return fail(Errc::invalid_argument, "[executor] poll_interval_ms must be positive");
  auto db = ledger::Db::open(ctx.db_path);
  if (!db) return std::unexpected(db.error());
  if (auto m = slurm_jobs::migrate(**db); !m) return std::unexpected(m.error());
  if (!runner) runner = slurm::make_process_runner();
  sys::Clock& clock = ctx.clock ? *ctx.clock : sys::real_clock();
  auto ex = std::make_unique<SlurmExecutor>(ctx, std::move(*db), std::move(runner), clock);
  ex->start();
  return std::unique_ptr<Executor>(std::move(ex));
}

}  // namespace lab::remote
