// The batch script lab hands to `sbatch` for one task (docs/slurm.md shows one).
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::slurm {

// One task as Slurm should run it. Strings that come from students (`name`, `command`,
// `env` values) may hold anything; the script quotes them so they reach the task unchanged
// and are never interpreted while the script itself runs.
struct JobRequest {
  std::string task_id;                     // lab's id; [A-Za-z0-9._-] kept, the rest replaced
  std::string name;                        // the student's task name (a comment in the script)
  std::string job_name;                    // Slurm --job-name; see `job_name_for`
  int cpus = 1;                            // --cpus-per-task
  std::uint64_t memory_bytes = 0;          // --mem, rounded up to MiB; 0 = the cluster's default
  std::int64_t time_limit_s = 0;           // --time; 0 = the partition's default
  int gpus = 0;                            // --gres=<gres_name>:N, only when > 0
  std::string gres_name = "gpu";           // e.g. "gpu" or "gpu:a100"
  std::optional<std::string> partition;
  std::optional<std::string> qos;
  std::optional<std::string> account;
  std::vector<std::string> extra_sbatch;   // more #SBATCH arguments from remote.toml, e.g. "--exclusive"
  std::filesystem::path workdir;           // where the command runs
  std::string command;                     // run by `/bin/bash -c`
  std::map<std::string, std::string> env;  // exported before the command; names must be identifiers
  std::filesystem::path output_path;       // the job's stdout file
  std::filesystem::path error_path;        // the job's stderr file (may equal output_path)
  std::filesystem::path exit_code_path;    // receives the command's exit code as "N\n"
  std::filesystem::path started_path;      // optional: created first thing when the job starts
};

// The Slurm job name for a task's `attempt` (1, 2, ...): "<prefix>-<task id>-<attempt>",
// with characters other than [A-Za-z0-9._-] replaced by '_'. Unique per attempt, so a
// retry can ask `squeue --name` whether an uncertain earlier submission went through.
std::string job_name_for(std::string_view prefix, std::string_view task_id, int attempt);

// `s` as one POSIX shell word in single quotes ("it's" -> 'it'\''s').
std::string shell_quote(std::string_view s);

// The batch script for `job`. Fails with Errc::invalid_argument (naming the field) when a
// value cannot be written safely: a path or #SBATCH argument holding a newline, '"', '%' or
// '\\'; an env name that is not an identifier; no command; cpus < 1; gpus < 0.
Result<std::string> render_batch_script(const JobRequest& job);

// The exit code the script recorded in `path`; nullopt when the file is missing (the
// command never ended by itself: killed, timed out, cancelled) or unreadable.
std::optional<int> read_exit_code_file(const std::filesystem::path& path);

}  // namespace lab::slurm
