// Everything lab says to Slurm and how it reads the answers: submit a task's batch script,
// watch all active jobs with one squeue call, read final states and accounting, cancel.
// The Slurm executor backend wraps this; docs/slurm.md describes the protocol.
#pragma once

#include <lab/result.hpp>
#include <lab/slurm/backoff.hpp>
#include <lab/slurm/parse.hpp>
#include <lab/slurm/runner.hpp>
#include <lab/slurm/script.hpp>
#include <lab/slurm/states.hpp>
#include <lab/sys/clock.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>

namespace lab::config {
struct RemoteExecutor;
}

namespace lab::slurm {

// The Slurm commands (names on PATH or paths) and the timeout each call gets.
struct Tools {
  std::string sbatch = "sbatch", squeue = "squeue", scontrol = "scontrol", sacct = "sacct", scancel = "scancel";
  std::chrono::milliseconds timeout{30'000};
};

// The tools named in remote.toml's [executor].
Tools tools_from_config(const config::RemoteExecutor& e);

// Where finished jobs can still be read once squeue and scontrol forget them.
enum class Accounting { slurmdbd, jobcomp_file, none };

// What came of one submission.
struct Submission {
  enum class Outcome { submitted, adopted, refused };
  Outcome outcome = Outcome::submitted;
  std::string job_id;   // submitted or adopted
  std::string cluster;  // when sbatch named one ("id;cluster")
  Refusal refusal;      // refused: plain words and Slurm's raw text
};

// Talks to one Slurm cluster. Thread-safe when the runner is; `runner` and `clock` must
// outlive it.
class Client {
 public:
  Client(Tools tools, CommandRunner& runner, sys::Clock& clock = sys::real_clock());

  // Writes `job`'s batch script to `script_path` and submits it with `sbatch --parsable`.
  // Refused by Slurm: Outcome::refused with the reason in plain words (not an error).
  // `earlier_attempt_uncertain` must be true when an earlier submit of the same
  // `job.job_name` failed in any way other than Errc::invalid_argument or a refusal (it
  // may have reached Slurm): then the job is looked up by name first and, if Slurm has it,
  // adopted instead of submitted again. Fails with Errc::unavailable / Errc::timeout
  // ("cluster scheduler not responding") while the controller does not answer or backoff
  // says wait, Errc::corrupt for an unreadable answer, Errc::invalid_argument for a job
  // that cannot be written, Errc::io when the script cannot be written.
  Result<Submission> submit(const JobRequest& job, const std::filesystem::path& script_path,
                            bool earlier_attempt_uncertain = false);

  // The id of the newest job named `job_name` that Slurm still lists (any state), if any.
  Result<std::optional<std::string>> find_by_name(const std::string& job_name);

  // The state of every job in `job_ids` with ONE squeue call. Jobs Slurm no longer lists
  // are absent from the answer (read them with `final_status`). Fails like `submit` when
  // the controller does not answer.
  Result<std::map<std::string, JobStatus>> poll(std::span<const std::string> job_ids);

  // A finished job's final state, exit code and elapsed time, and CPU time and GPUs when
  // accounting storage is configured: from sacct with slurmdbd, otherwise from scontrol,
  // then the jobcomp file (`sacct -c`). Errc::not_found when no source knows the job.
  Result<JobStatus> final_status(const std::string& job_id);

  // Asks Slurm to cancel a pending or running job; the state turns CANCELLED shortly
  // after (confirm with `poll`). Errc::not_found for an unknown job, Errc::conflict for
  // one already finished.
  Result<void> cancel(const std::string& job_id);

  // How this cluster keeps finished jobs (from `scontrol show config`, asked once).
  Result<Accounting> accounting();

  // The controller's health as seen by this client's commands.
  const ControllerBackoff& backoff() const { return backoff_; }

 private:
  // Runs a Slurm command, feeding the backoff: a timeout or "cannot contact controller"
  // fails with kSchedulerDown; other outcomes (any exit code) are returned.
  Result<CommandOutput> call(std::vector<std::string> argv);

  Tools tools_;
  CommandRunner& runner_;
  sys::Clock& clock_;
  ControllerBackoff backoff_;
  std::mutex mu_;
  std::optional<Accounting> accounting_;  // guarded by mu_
};

}  // namespace lab::slurm
