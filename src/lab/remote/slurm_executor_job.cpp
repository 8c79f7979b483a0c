// One task's Slurm job: its batch request, sbatch and scancel, squeue's view turned into
// sink events, the output and metrics files followed, and the end (final state, exit code,
// results, accounting).
#include "results.hpp"
#include "slurm_executor_impl.hpp"

#include "../worker/results.hpp"

#include <lab/config/units.hpp>
#include <lab/sys/clock.hpp>

#include <algorithm>
#include <cstdlib>

namespace lab::remote {
namespace fs = std::filesystem;

namespace {

// The folder in the task folder that holds the job's script, output and exit code.
constexpr const char* kJobDir = ".lab-slurm";

// A job takes sbatch's environment, which holds only harmless variables
// (slurm::command_environment); the script exports the task's own.
constexpr std::string_view kExportAll = "--export=ALL";

// Hands on what `f` holds beyond `carry`: whole lines, or everything when `final`.
// Returns the bytes to hand on (possibly empty).
std::string take_lines(slurm::LogFollower& f, std::string& carry, bool final) {
  for (;;) {
    auto chunk = final ? f.read_rest() : f.read_new();
    if (!chunk || chunk->empty()) break;
    carry += *chunk;
    if (final || chunk->size() < slurm::LogFollower::kMaxChunk) break;
  }
  std::size_t cut = final ? carry.size() : carry.rfind('\n');
  if (!final) cut = cut == std::string::npos ? 0 : cut + 1;
  std::string out = carry.substr(0, cut);
  carry.erase(0, cut);
  return out;
}

// Skips the first `bytes` of the file (already reported before a restart).
void skip(slurm::LogFollower& f, std::int64_t bytes) {
  while (f.offset() < std::uint64_t(bytes)) {
    auto chunk = f.read_new(std::size_t(bytes) - f.offset());
    if (!chunk || chunk->empty()) break;
  }
}

}  // namespace

fs::path SlurmExecutor::job_file(const SlurmJob& job, const char* name) const {
  return job.task.folder / kJobDir / name;
}

slurm::JobRequest SlurmExecutor::request_for(const SlurmJob& job) const {
  const ExecTask& t = job.task;
  slurm::JobRequest r;
  r.task_id = t.task_id;
  r.name = t.task_id;
  r.job_name = job.job_name;
  r.cpus = t.cpus;
  r.memory_bytes = t.memory_bytes;
  r.time_limit_s = t.time_limit_s;
  r.gpus = t.gpus;
  r.gres_name = cfg_.gres_name;
  r.partition = cfg_.partition;
  r.qos = t.high_priority && cfg_.qos_high ? cfg_.qos_high : cfg_.qos;
  r.account = cfg_.account;
  r.extra_sbatch = cfg_.extra_sbatch;
  // An --export in extra_sbatch replaces this.
  if (std::none_of(r.extra_sbatch.begin(), r.extra_sbatch.end(),
                   [](const std::string& a) { return a.rfind("--export", 0) == 0; }))
    r.extra_sbatch.insert(r.extra_sbatch.begin(), std::string(kExportAll));
  r.workdir = t.folder;
  r.command = t.command;
  r.env = t.env;
  r.env["LAB_METRICS"] = (t.folder / kMetricsFile).string();
  // The datasets are linked at datasets/<name> in the folder (core_data.cpp).
  if (!t.datasets.empty()) r.env[std::string(datasets::kEnvVar)] = (t.folder / datasets::kTaskFolder).string();
  if (!t.python_env.empty()) {
    // sbatch passes the remote's environment on, so its PATH is the job's PATH.
    const char* path = std::getenv("PATH");
    r.env["PATH"] = (t.python_env / "bin").string() + (path && *path ? std::string(":") + path : "");
    r.env["VIRTUAL_ENV"] = t.python_env.string();
  }
  r.output_path = job_file(job, "output.log");
  r.error_path = r.output_path;
  r.exit_code_path = job_file(job, "exit_code");
  r.started_path = job_file(job, kStartedMarker);
  return r;
}

void SlurmExecutor::submit_loop() {
  // While the controller is down (backoff), look again at this pace for the retry time.
  const auto recheck = std::chrono::milliseconds(std::max(50, cfg_.poll_interval_ms));
  std::unique_lock lock(mu_);
  while (!stopped_) {
    if (to_submit_.empty() || clock_.steady_ms() < submit_retry_ms_) {
      if (to_submit_.empty()) submit_cv_.wait(lock);
      else submit_cv_.wait_for(lock, recheck);
      continue;
    }
    const std::string task_id = std::move(to_submit_.front());
    to_submit_.pop_front();
    auto it = jobs_.find(task_id);
    if (it == jobs_.end() || !it->second.job_id.empty() || it->second.submitting) continue;  // cancelled, or done
    SlurmJob& job = it->second;
    job.submitting = true;
    const slurm::JobRequest request = request_for(job);
    const fs::path script = job_file(job, "job.sh");
    const bool uncertain = job.uncertain;
    lock.unlock();
    std::error_code ec;
    fs::create_directories(script.parent_path(), ec);
    auto r = client_.submit(request, script, uncertain);
    lock.lock();
    if (!submitted_locked(task_id, r)) {
      // The controller does not answer: this task goes first again once backoff allows.
      to_submit_.push_front(task_id);
      submit_retry_ms_ = std::max(client_.backoff().next_try_ms(), clock_.steady_ms() + recheck.count());
    }
  }
}

bool SlurmExecutor::submitted_locked(const std::string& task_id, const Result<slurm::Submission>& r) {
  auto it = jobs_.find(task_id);
  if (it == jobs_.end()) return true;
  SlurmJob& job = it->second;
  job.submitting = false;
  if (stopped_) return true;
  if (r && r->outcome != slurm::Submission::Outcome::refused) {
    job.job_id = r->job_id;
    job.uncertain = false;
    job.submitted_at = std::chrono::steady_clock::now();
    db_put(job);
    say("task " + task_id + " is Slurm job " + job.job_id +
        (r->outcome == slurm::Submission::Outcome::adopted ? " (found again after an uncertain sbatch)" : ""));
    queued_locked(job, "submitted to Slurm as job " + job.job_id + "; waiting for the scheduler");
    // The first look comes soon: a job on a cluster with room starts within about a second.
    const auto soon = job.submitted_at + std::chrono::milliseconds(std::max(50, cfg_.first_poll_ms));
    if (soon < next_poll_) {
      next_poll_ = soon;
      cv_.notify_all();
    }
    return true;
  }
  if (r && r->refusal.scheduler_down) {
    queued_locked(job, std::string(slurm::kSchedulerDown));
    return false;
  }
  if (r) {
    // Refused: the student's words first, Slurm's own text kept beside them.
    const std::string why = r->refusal.plain + " (Slurm said: " + r->refusal.raw + ")";
    const int attempt = job.task.attempt;
    jobs_.erase(it);
    db_remove(task_id);
    end_unrun_locked(task_id, attempt, ExecOutcome::Status::failed, "Slurm refused the job: " + why);
    return true;
  }
  if (r.error().code == Errc::invalid_argument || r.error().code == Errc::io || r.error().code == Errc::not_found) {
    const int attempt = job.task.attempt;
    jobs_.erase(it);
    db_remove(task_id);
    end_unrun_locked(task_id, attempt, ExecOutcome::Status::failed, "cannot submit to Slurm: " + r.error().message);
    return true;
  }
  // Timed out or no answer: it may have reached Slurm; look it up by name next time.
  job.uncertain = true;
  say("sbatch for task " + task_id + " failed (will retry): " + r.error().message);
  queued_locked(job, std::string(slurm::kSchedulerDown));
  return false;
}

void SlurmExecutor::cancel_waiting() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    for (auto& [_, job] : jobs_)
      if (job.cancel_requested && !job.scancel_sent && !job.job_id.empty()) {
        job.scancel_sent = true;
        ids.push_back(job.job_id);
      }
  }
  for (const auto& id : ids) {
    auto r = client_.cancel(id);
    // Unknown or already finished: the next poll sees how it ended.
    if (r || r.error().code == Errc::not_found || r.error().code == Errc::conflict) continue;
    say("scancel " + id + " failed (will retry): " + r.error().message);
    std::lock_guard lock(mu_);
    for (auto& [_, job] : jobs_)
      if (job.job_id == id) job.scancel_sent = false;
  }
}

bool SlurmExecutor::apply_locked(SlurmJob& job, const slurm::JobStatus& st) {
  using S = slurm::JobState;
  switch (st.state) {
    case S::pending: {
      const std::string reason = st.reason.empty() ? "waiting in Slurm as job " + job.job_id : st.reason;
      if (job.started) {
        // Slurm put a started job back in its queue (requeue after preemption or a node failure).
        job.started = false;
        std::error_code ec;
        fs::remove(job_file(job, kStartedMarker), ec);  // the next run writes it again
        job.last_reason = reason;
        sink_.requeued(job.task.task_id, job.task.attempt, job.task.lost,
                       "Slurm put job " + job.job_id + " back in its queue (" + st.raw_state + ")", reason);
        return false;
      }
      queued_locked(job, reason);
      return false;
    }
    case S::suspended:
      if (!job.started) queued_locked(job, "suspended by the cluster (Slurm says: " + st.raw_state + ")");
      return false;
    case S::running:
      started_locked(job);
      return false;
    case S::unknown:
      say("job " + job.job_id + " is in a state lab does not know: " + st.raw_state);
      return false;
    default:
      return slurm::is_final(st.state);
  }
}

void SlurmExecutor::started_locked(SlurmJob& job) {
  if (job.started) return;
  job.started = true;
  sink_.started(job.task.task_id, job.task.attempt, job.job_id, clock_.now_ms());
}

void SlurmExecutor::look_locked() {
  for (auto& [_, job] : jobs_) {
    if (job.job_id.empty()) continue;
    std::error_code ec;
    if (!job.started && fs::exists(job_file(job, kStartedMarker), ec)) started_locked(job);
    follow(job, false);
  }
}

void SlurmExecutor::queued_locked(SlurmJob& job, const std::string& reason) {
  if (reason == job.last_reason) return;
  job.last_reason = reason;
  sink_.queued(job.task.task_id, job.task.attempt, reason);
}

void SlurmExecutor::follow(SlurmJob& job, bool final) {
  if (!job.started && !final) return;
  if (!job.log) {
    job.log.emplace(job_file(job, "output.log"));
    skip(*job.log, job.log_skip);
  }
  if (!job.metrics) {
    job.metrics.emplace(job.task.folder / kMetricsFile);
    skip(*job.metrics, job.metrics_bytes);
  }
  if (auto text = take_lines(*job.log, job.log_carry, final); !text.empty())
    sink_.log(job.task.task_id, job.task.attempt, text);
  if (auto lines = take_lines(*job.metrics, job.metrics_carry, final); !lines.empty()) {
    sink_.metrics(job.task.task_id, job.task.attempt, lines);
    job.metrics_bytes += std::int64_t(lines.size());
    std::lock_guard db_lock(db_mu_);
    (void)slurm_jobs::set_metrics_bytes(*db_, job.task.task_id, job.metrics_bytes);
  }
}

void SlurmExecutor::finish(SlurmJob job, std::optional<slurm::JobStatus> seen) {
  auto final_st = client_.final_status(job.job_id);
  if (!final_st && !seen) {
    if (final_st.error().code != Errc::not_found) {
      // The controller does not answer: keep watching; the end is read next time.
      std::lock_guard lock(mu_);
      jobs_.emplace(job.task.task_id, std::move(job));
      return;
    }
  }
  if (final_st && !slurm::is_final(final_st->state) && !(seen && slurm::is_final(seen->state))) {
    // Missing from one squeue answer but alive (e.g. a line squeue printed mid-transition):
    // keep watching it.
    say("job " + job.job_id + " was missing from squeue's answer but Slurm says " + final_st->raw_state +
        "; still watching it");
    std::lock_guard lock(mu_);
    auto [it, _] = jobs_.emplace(job.task.task_id, std::move(job));
    (void)apply_locked(it->second, *final_st);
    return;
  }
  slurm::JobStatus st = final_st ? *final_st : seen ? *seen : slurm::JobStatus{};
  if (!final_st && !seen) st.state = slurm::JobState::unknown;
  if (!job.started && st.elapsed_s > 0) {
    job.started = true;
    sink_.started(job.task.task_id, job.task.attempt, job.job_id, clock_.now_ms());
  }
  follow(job, true);

  ExecOutcome o;
  o.exit_code = slurm::read_exit_code_file(job_file(job, "exit_code"));
  if (!o.exit_code) o.exit_code = st.exit_code;
  o.wall_seconds = double(st.elapsed_s);
  o.cpu_seconds = st.cpu_seconds.value_or(0.0);
  using S = slurm::JobState;
  if (st.state == S::completed && o.exit_code.value_or(0) == 0) {
    o.status = ExecOutcome::Status::completed;
  } else if (st.state == S::cancelled) {
    o.status = ExecOutcome::Status::cancelled;
    o.reason = job.cancel_requested ? "cancelled" : "cancelled on the cluster (Slurm says: " + st.raw_state + ")";
  } else if (st.state == S::unknown) {
    o.reason = "Slurm no longer knows job " + job.job_id + "; its end could not be read";
  } else if (st.state == S::timeout) {
    // Worded as the workers word their own time limit.
    o.reason = (job.task.time_limit_s > 0 ? "time limit " + config::format_duration(job.task.time_limit_s) : std::string("time limit")) +
               " reached: Slurm stopped job " + job.job_id;
  } else {
    o.reason = slurm::describe_state(st.state);
    if (st.state == S::failed && o.exit_code) o.reason += " (exit code " + std::to_string(*o.exit_code) + ")";
  }
  if (storage_ && !job.task.download.empty() && st.state != S::unknown) {
    // As with workers: the matching files packed, then stored through the shared code.
    const fs::path scratch = scratch_dir_ / job.task.task_id;
    const fs::path archive = scratch_dir_ / (job.task.task_id + ".tar.zst");
    std::error_code ec;
    fs::create_directories(scratch_dir_, ec);
    auto packed = worker::pack_results(job.task.folder, job.task.download, archive);
    auto keys = packed ? store_results(*storage_, job.task.task_id, archive, scratch)
                       : Result<std::vector<std::string>>(std::unexpected(packed.error()));
    fs::remove(archive, ec);
    if (keys) o.result_keys = std::move(*keys);
    else say("results of task " + job.task.task_id + " could not be stored: " + keys.error().message);
  }
  db_remove(job.task.task_id);
  std::lock_guard lock(mu_);
  sink_.finished(job.task.task_id, job.task.attempt, o);
}

void SlurmExecutor::end_unrun_locked(const std::string& task_id, int attempt, ExecOutcome::Status status,
                                     const std::string& reason) {
  ExecOutcome o;
  o.status = status;
  o.reason = reason;
  if (!stopped_) sink_.finished(task_id, attempt, o);
}

void SlurmExecutor::db_put(const SlurmJob& job) {
  slurm_jobs::Row row{job.task.task_id, job.task.attempt, job.job_name, job.job_id, job.metrics_bytes};
  std::lock_guard db_lock(db_mu_);
  if (auto r = slurm_jobs::put(*db_, row); !r) say("cannot record Slurm job of task " + job.task.task_id + ": " + r.error().message);
}

void SlurmExecutor::db_remove(const std::string& task_id) {
  std::lock_guard db_lock(db_mu_);
  (void)slurm_jobs::remove(*db_, task_id);
}

}  // namespace lab::remote
