// Slurm's job states, pending reasons and submission refusals, in a student's words
// (the full tables are in docs/slurm.md).
#pragma once

#include <lab/slurm/script.hpp>

#include <string>
#include <string_view>

namespace lab::slurm {

// Every state Slurm reports for a job, folded to what lab needs to tell apart.
enum class JobState {
  pending,        // PENDING, REQUEUED, REQUEUE_HOLD, REQUEUE_FED, RESV_DEL_HOLD, CONFIGURING
  running,        // RUNNING, COMPLETING, SIGNALING, STAGE_OUT, RESIZING
  suspended,      // SUSPENDED, STOPPED
  completed,      // COMPLETED
  failed,         // FAILED, BOOT_FAIL, SPECIAL_EXIT, DEADLINE, REVOKED
  cancelled,      // CANCELLED (also "CANCELLED by <uid>")
  timeout,        // TIMEOUT
  out_of_memory,  // OUT_OF_MEMORY
  node_fail,      // NODE_FAIL
  preempted,      // PREEMPTED
  unknown,        // anything else: kept, reported with the raw word
};

// The state named by Slurm's word ("RUNNING", "CANCELLED by 0", "CANCELLED+", "CD", ...).
JobState parse_state(std::string_view word);

// True once Slurm will not run the job again (completed, failed, cancelled, timeout,
// out_of_memory, node_fail, preempted).
bool is_final(JobState s);

// Lower-case name: "pending", "out_of_memory".
const char* state_name(JobState s);

// One plain sentence for a state: "finished successfully", "ran out of memory and was stopped".
std::string describe_state(JobState s);

// A PENDING reason code ("Resources", "Priority", "QOSMaxJobsPerUserLimit", "ReqNodeNotAvail,
// UnavailableNodes:n1") in plain words, e.g. "waiting for resources: the nodes that fit are
// busy". Unknown codes give "waiting (Slurm says: <code>)".
std::string explain_pending(std::string_view reason);

// sbatch's refusal of a job, in a student's words.
struct Refusal {
  std::string plain;  // "this cluster has no GPUs in partition debug"
  std::string raw;    // what sbatch printed, trimmed
  bool scheduler_down = false;  // the controller did not answer: not a refusal, retry later
};

// Translates sbatch's stderr for a job it refused to accept. `job` supplies the numbers
// and names quoted in the answer.
Refusal explain_refusal(std::string_view sbatch_stderr, const JobRequest& job);

// True when a Slurm command's error says the controller could not be reached.
bool is_scheduler_down(std::string_view stderr_text);

// The reason lab gives while the controller does not answer.
inline constexpr std::string_view kSchedulerDown = "cluster scheduler not responding";

}  // namespace lab::slurm
