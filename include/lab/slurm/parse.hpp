// Readers for what Slurm's commands print. Each takes the text as printed and never
// trusts it: malformed input gives an error or is skipped, never a crash.
#pragma once

#include <lab/result.hpp>
#include <lab/slurm/states.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lab::slurm {

// One job as `squeue` (or a final-state query) reports it.
struct JobStatus {
  std::string job_id;
  std::string name;
  JobState state = JobState::unknown;
  std::string raw_state;              // Slurm's word, e.g. "CANCELLED by 0"
  std::string reason_code;            // Slurm's reason, e.g. "Resources"; "None" when none
  std::string reason;                 // plain words for a pending job, else empty
  std::optional<int> exit_code;       // the command's exit code, once known
  int signal = 0;                     // the signal that ended it, 0 if none
  std::int64_t elapsed_s = 0;         // time spent running so far
  std::optional<double> cpu_seconds;  // user + system CPU time (sacct with accounting only)
  std::optional<int> gpus;            // GPUs allocated (sacct AllocTRES), when known
};

// `sbatch --parsable`'s answer: "123\n" or "123;cluster\n". Fails with Errc::corrupt when it
// is not a job id. `cluster` receives the cluster name when given.
Result<std::string> parse_job_id(std::string_view out, std::string* cluster = nullptr);

// The squeue format lab asks for (kSqueueFormat): one job per line, "id|state|reason|
// wait-status|elapsed|name|". Lines that do not fit are skipped.
inline constexpr std::string_view kSqueueFormat = "JobID:|,State:|,Reason:|,exit_code:|,TimeUsed:|,Name:|";
std::map<std::string, JobStatus> parse_squeue(std::string_view out);

// `scontrol -o show job ID`: one line of Key=Value pairs. Fails with Errc::corrupt
// when it holds no JobId and JobState.
Result<JobStatus> parse_scontrol_job(std::string_view out);

// `sacct -n -P -o JobIDRaw,State,ExitCode,ElapsedRaw,TotalCPU,AllocTRES` (TotalCPU and
// AllocTRES may be missing, as with `sacct -c`): the line for `job_id`, with CPU time
// summed over its steps when the job line has none. Fails with Errc::not_found when
// `job_id` is not listed.
Result<JobStatus> parse_sacct(std::string_view out, std::string_view job_id);

// "Key = Value" lines of `scontrol show config`.
std::map<std::string, std::string> parse_config_lines(std::string_view out);

// Seconds in Slurm's elapsed time forms: "SS", "M:SS", "H:MM:SS", "D-HH:MM:SS", with an
// optional ".mmm" fraction (sacct TotalCPU). nullopt when malformed.
std::optional<double> parse_elapsed(std::string_view text);

}  // namespace lab::slurm
