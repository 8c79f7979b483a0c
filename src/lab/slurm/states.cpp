#include <lab/slurm/states.hpp>

#include <lab/util/strings.hpp>

#include <array>
#include <utility>

namespace lab::slurm {
namespace {

// Slurm's long and short state words (squeue %T / %t, sacct State).
constexpr std::array<std::pair<std::string_view, JobState>, 48> kStates{{
    {"PENDING", JobState::pending},         {"PD", JobState::pending},
    {"REQUEUED", JobState::pending},        {"RQ", JobState::pending},
    {"REQUEUE_HOLD", JobState::pending},    {"RH", JobState::pending},
    {"REQUEUE_FED", JobState::pending},     {"RF", JobState::pending},
    {"RESV_DEL_HOLD", JobState::pending},   {"RD", JobState::pending},
    {"CONFIGURING", JobState::pending},     {"CF", JobState::pending},
    {"RUNNING", JobState::running},         {"R", JobState::running},
    {"COMPLETING", JobState::running},      {"CG", JobState::running},
    {"SIGNALING", JobState::running},       {"SI", JobState::running},
    {"STAGE_OUT", JobState::running},       {"SO", JobState::running},
    {"RESIZING", JobState::running},        {"RS", JobState::running},
    {"SUSPENDED", JobState::suspended},     {"S", JobState::suspended},
    {"STOPPED", JobState::suspended},       {"ST", JobState::suspended},
    {"COMPLETED", JobState::completed},     {"CD", JobState::completed},
    {"FAILED", JobState::failed},           {"F", JobState::failed},
    {"BOOT_FAIL", JobState::failed},        {"BF", JobState::failed},
    {"SPECIAL_EXIT", JobState::failed},     {"SE", JobState::failed},
    {"DEADLINE", JobState::failed},         {"DL", JobState::failed},
    {"REVOKED", JobState::failed},          {"RV", JobState::failed},
    {"CANCELLED", JobState::cancelled},     {"CA", JobState::cancelled},
    {"TIMEOUT", JobState::timeout},         {"TO", JobState::timeout},
    {"OUT_OF_MEMORY", JobState::out_of_memory}, {"OOM", JobState::out_of_memory},
    {"NODE_FAIL", JobState::node_fail},     {"NF", JobState::node_fail},
    {"PREEMPTED", JobState::preempted},     {"PR", JobState::preempted},
}};

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

std::string opt_or(const std::optional<std::string>& v, std::string_view fallback) {
  return v ? *v : std::string(fallback);
}

}  // namespace

JobState parse_state(std::string_view word) {
  word = util::trim(word);
  // "CANCELLED by 1000" (sacct), "CANCELLED+" (truncated sacct columns).
  if (auto cut = word.find_first_of(" +"); cut != std::string_view::npos) word = word.substr(0, cut);
  for (const auto& [name, state] : kStates)
    if (name == word) return state;
  return JobState::unknown;
}

bool is_final(JobState s) {
  switch (s) {
    case JobState::completed: case JobState::failed: case JobState::cancelled: case JobState::timeout:
    case JobState::out_of_memory: case JobState::node_fail: case JobState::preempted:
      return true;
    default:
      return false;
  }
}

const char* state_name(JobState s) {
  switch (s) {
    case JobState::pending: return "pending";
    case JobState::running: return "running";
    case JobState::suspended: return "suspended";
    case JobState::completed: return "completed";
    case JobState::failed: return "failed";
    case JobState::cancelled: return "cancelled";
    case JobState::timeout: return "timeout";
    case JobState::out_of_memory: return "out_of_memory";
    case JobState::node_fail: return "node_fail";
    case JobState::preempted: return "preempted";
    case JobState::unknown: return "unknown";
  }
  return "unknown";
}

std::string describe_state(JobState s) {
  switch (s) {
    case JobState::pending: return "waiting in the cluster's queue";
    case JobState::running: return "running";
    case JobState::suspended: return "paused by the cluster";
    case JobState::completed: return "finished successfully";
    case JobState::failed: return "ended with an error";
    case JobState::cancelled: return "cancelled";
    case JobState::timeout: return "stopped because it reached its time limit";
    case JobState::out_of_memory: return "ran out of memory and was stopped";
    case JobState::node_fail: return "stopped because the machine it ran on failed";
    case JobState::preempted: return "stopped to make room for a higher-priority job";
    case JobState::unknown: return "in a state lab does not know";
  }
  return "in a state lab does not know";
}

std::string explain_pending(std::string_view reason) {
  std::string_view r = util::trim(reason);
  std::string_view code = r.substr(0, r.find_first_of(", ("));
  if (code.empty() || code == "None") return "waiting to be scheduled";
  if (code == "Resources") return "waiting for resources: the nodes that fit this task are busy";
  if (code == "Priority") return "waiting for priority: other jobs are ahead in the queue";
  if (code == "ReqNodeNotAvail" || util::starts_with(code, "Nodes_required"))
    return "node not available: the nodes this task needs are down, drained or reserved";
  if (code == "NodeDown") return "node not available: a node this task needs is down";
  if (code == "PartitionDown" || code == "PartitionInactive") return "the partition is not accepting jobs right now";
  if (code == "PartitionNodeLimit") return "asks for more nodes than the partition allows";
  if (code == "PartitionTimeLimit") return "asks for more time than the partition allows";
  if (code == "InvalidQOS") return "the QOS is not valid for this account: it will not start";
  if (code == "InvalidAccount") return "the account is not valid: it will not start";
  if (util::starts_with(code, "QOS")) return "over a QOS limit (" + std::string(code) + "): waiting until earlier jobs finish";
  if (util::starts_with(code, "Assoc"))
    return "over an account limit (" + std::string(code) + "): waiting until earlier jobs finish";
  if (code == "JobHeldUser" || code == "JobHeldAdmin" || code == "launch")
    return "held: it will not start until it is released";
  if (code == "BeginTime") return "waiting for its start time";
  if (code == "Dependency") return "waiting for another job to finish";
  if (code == "DependencyNeverSatisfied") return "will not start: a job it depends on did not succeed";
  if (code == "Reservation") return "waiting for its reservation to start";
  if (code == "Licenses") return "waiting for a license";
  if (code == "Prolog" || code == "Cleaning") return "the node is being prepared";
  if (code == "BadConstraints") return "no node can satisfy this request";
  if (code == "JobLaunchFailure" || code == "SystemFailure") return "the cluster could not start it; it will retry";
  return "waiting (Slurm says: " + std::string(r) + ")";
}

bool is_scheduler_down(std::string_view e) {
  return contains(e, "Unable to contact slurm controller") || contains(e, "Socket timed out") ||
         contains(e, "Slurm backup controller in standby mode") || contains(e, "Zero Bytes were transmitted") ||
         contains(e, "Communication connection failure");
}

Refusal explain_refusal(std::string_view err, const JobRequest& job) {
  Refusal r;
  r.raw = std::string(util::trim(err));
  const std::string part = opt_or(job.partition, "the default partition");
  const std::string in_part = job.partition ? "in partition " + *job.partition : "in the default partition";
  if (is_scheduler_down(err)) {
    r.plain = std::string(kSchedulerDown);
    r.scheduler_down = true;
  } else if (contains(err, "accounting/QOS policy")) {
    r.plain = "the request is over a limit of the account or QOS (number of jobs, size or time)";
  } else if (contains(err, "Invalid generic resource") || contains(err, "gres")) {
    bool gpu = util::starts_with(job.gres_name, "gpu");
    r.plain = gpu ? "this cluster has no GPUs " + in_part + " (asked for " + std::to_string(job.gpus) + ")"
                  : "this cluster has no '" + job.gres_name + "' resources " + in_part;
  } else if (contains(err, "Memory specification can not be satisfied") || contains(err, "memory")) {
    r.plain = "asked for more memory (" + util::human_bytes(job.memory_bytes) + ") than any node " + in_part + " has";
  } else if (contains(err, "More processors requested than permitted") || contains(err, "CPU count")) {
    r.plain = "asked for more CPUs (" + std::to_string(job.cpus) + ") than any node " + in_part + " has";
  } else if (contains(err, "nvalid partition")) {
    r.plain = "partition " + part + " does not exist on this cluster";
  } else if (contains(err, "time limit")) {
    r.plain = "asked for more time than " + part + " allows";
  } else if (contains(err, "nvalid qos")) {
    r.plain = "QOS '" + opt_or(job.qos, "") + "' does not exist or may not be used with this account";
  } else if (contains(err, "nvalid account")) {
    r.plain = "account '" + opt_or(job.account, "") + "' does not exist or may not use " + part;
  } else if (contains(err, "permission denied") || contains(err, "not permitted") || contains(err, "Access denied")) {
    r.plain = "not allowed to use " + part;
  } else if (contains(err, "Requested node configuration is not available")) {
    r.plain = "no node " + in_part + " has the CPUs, memory and GPUs asked for together";
  } else {
    // The first error line without sbatch's prefix.
    std::string_view first = std::string_view(r.raw).substr(0, r.raw.find('\n'));
    for (std::string_view prefix : {"sbatch: error: ", "Batch job submission failed: "})
      if (util::starts_with(first, prefix)) first.remove_prefix(prefix.size());
    r.plain = first.empty() ? "the cluster refused the task without saying why" : "the cluster refused the task: " + std::string(first);
  }
  return r;
}

}  // namespace lab::slurm
