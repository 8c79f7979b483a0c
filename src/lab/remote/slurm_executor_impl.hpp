// The Slurm executor's class, shared by its files (private to src/lab/remote):
// slurm_executor.cpp (the Executor calls and the watch loop), slurm_executor_job.cpp (one
// job: submission, state changes, logs, the end), slurm_pool.cpp (sinfo for the admin page).
//
// Threads: the Executor methods run on the caller's thread; `sbatch_parallel` submit
// threads run sbatch (one job each at a time, oldest task first); one watch thread runs
// squeue, scancel and the final-state queries. `mu_` guards `jobs_` and every sink call for
// a job that is in `jobs_`, so each task's events reach the sink in order: a job's id is set
// and announced under `mu_` by its submit thread, and the watch thread looks only at jobs
// that have an id. Slurm commands run without `mu_` held; a job being finished is taken out
// of `jobs_` first, so only the watch thread touches it then.
#pragma once

#include "slurm_jobs.hpp"

#include <lab/ledger/db.hpp>
#include <lab/remote/executor.hpp>
#include <lab/slurm/client.hpp>
#include <lab/slurm/log_follower.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace lab::remote {

// How long after an sbatch answered squeue is asked every first_poll_ms: on a cluster with
// room, a job starts within about a second (Slurm's scheduling cycle).
inline constexpr std::chrono::milliseconds kFastPollWindow{3000};

// Between polls, the task folders are looked at this often (the start marker, new log and
// metrics lines), and every kFastLook while a job submitted in the last kFastPollWindow has
// not started. Only files are read: the controller is not asked.
inline constexpr std::chrono::milliseconds kLookInterval{200};
inline constexpr std::chrono::milliseconds kFastLook{20};

// The file in a job's folder that its script creates first thing when it starts.
inline constexpr const char* kStartedMarker = "started";

// One task handed to Slurm.
struct SlurmJob {
  ExecTask task;
  std::string job_name;
  std::string job_id;                 // empty until sbatch answered
  bool uncertain = false;             // an earlier sbatch may have gone through: look it up first
  bool submitting = false;            // a submit thread is running sbatch for it now
  std::chrono::steady_clock::time_point submitted_at{};  // when sbatch answered (fast polls after it)
  bool started = false;               // `started` was reported
  bool cancel_requested = false;
  bool scancel_sent = false;
  std::string last_reason;            // the last `queued` reason reported
  std::optional<slurm::LogFollower> log, metrics;
  std::string log_carry, metrics_carry;  // a partial last line, held until it ends
  std::int64_t metrics_bytes = 0;     // handed to the sink (and recorded) so far
  std::int64_t log_skip = 0;          // bytes of the output file already reported (adopted job)
};

class SlurmExecutor final : public Executor {
 public:
  SlurmExecutor(const ExecutorContext& ctx, std::unique_ptr<ledger::Db> db,
                std::shared_ptr<slurm::CommandRunner> runner, sys::Clock& clock);
  ~SlurmExecutor() override;

  void start();
  Result<void> submit(const ExecTask& task) override;
  Result<void> adopt(const ExecTask& task, const std::string& where) override;
  void cancel(const std::string& task_id) override;
  void stop() override;
  std::string url() const override { return ""; }
  std::vector<PoolEntry> pool() override;

 private:
  // The watch loop: polls every poll interval, every first_poll_ms while a job submitted in
  // the last kFastPollWindow has not started, and at once for an adoption or a cancel;
  // between polls it looks at the task folders (look_locked) every kLookInterval or kFastLook.
  void watch();
  void poll_once();
  // When the next poll is due, from now (under mu_).
  std::chrono::steady_clock::time_point next_poll_locked() const;
  // When the next look at the task folders is due, from now (under mu_).
  std::chrono::steady_clock::time_point next_look_locked() const;
  // Reports jobs whose start marker appeared as started, and hands on new log and metrics
  // lines of started ones (under mu_).
  void look_locked();
  // Reports `job` started, once (under mu_).
  void started_locked(SlurmJob& job);
  // One submit thread: takes the oldest task waiting for sbatch and submits it (outside mu_).
  void submit_loop();
  // Applies sbatch's answer for task `task_id` (under mu_); false when the submission should
  // be tried again after the controller's backoff.
  bool submitted_locked(const std::string& task_id, const Result<slurm::Submission>& r);
  // Applies squeue's view of one job (under mu_); true when the job reached its end.
  bool apply_locked(SlurmJob& job, const slurm::JobStatus& st);
  // Hands on new whole lines of the output and metrics files; `final` also hands on a last
  // line without its newline. Called under mu_, or for a job no longer in jobs_.
  void follow(SlurmJob& job, bool final);
  // Sends scancel for jobs whose cancel was asked and not yet sent (outside mu_).
  void cancel_waiting();
  // Reads the final state, flushes logs, brings results back and reports `finished`.
  // `job` is no longer in jobs_.
  void finish(SlurmJob job, std::optional<slurm::JobStatus> st);
  // The finished outcome for a job that never ran (refused, cancelled before sbatch...).
  void end_unrun_locked(const std::string& task_id, int attempt, ExecOutcome::Status status,
                        const std::string& reason);
  void queued_locked(SlurmJob& job, const std::string& reason);
  slurm::JobRequest request_for(const SlurmJob& job) const;
  std::filesystem::path job_file(const SlurmJob& job, const char* name) const;
  void db_put(const SlurmJob& job);
  void db_remove(const std::string& task_id);
  void say(const std::string& line) const;

  config::RemoteExecutor cfg_;
  ExecutorSink& sink_;
  storage::Storage* storage_;
  std::filesystem::path scratch_dir_;
  std::function<void(std::string_view)> log_;
  std::unique_ptr<ledger::Db> db_;    // remote_slurm_jobs; used under db_mu_
  std::mutex db_mu_;
  std::shared_ptr<slurm::CommandRunner> runner_;
  sys::Clock& clock_;
  slurm::Client client_;
  std::string sinfo_;                 // the sinfo command, beside squeue

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, SlurmJob> jobs_;  // guarded by mu_, by task id
  std::deque<std::string> to_submit_;     // guarded by mu_: task ids waiting for sbatch, oldest first
  std::int64_t submit_retry_ms_ = 0;      // guarded by mu_: steady ms (clock_) before which no sbatch is tried
  std::chrono::steady_clock::time_point next_poll_{};  // guarded by mu_: when the watch thread polls next
  bool stopped_ = false;                  // guarded by mu_
  bool wake_ = false;                     // guarded by mu_: poll at once
  std::condition_variable submit_cv_;     // a task to submit, or stop
  std::thread watcher_;
  std::vector<std::thread> submitters_;

  std::mutex pool_mu_;
  std::vector<PoolEntry> pool_cache_;     // guarded by pool_mu_
  std::int64_t pool_at_ms_ = -1;          // guarded by pool_mu_; steady time of the last sinfo
};

}  // namespace lab::remote
