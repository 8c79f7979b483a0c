// Runs one task's command on this machine the way every executor promises: `sh -c CMD` in
// the task's folder, in its own process group, with LAB_TASK_ID, LAB_OUTPUT_DIR,
// LAB_METRICS, PYTHONUNBUFFERED=1 and CUDA_VISIBLE_DEVICES set; CPU and memory limits
// through a cgroup v2 when one can be made, otherwise rlimits; a wall-clock time limit;
// TERM then KILL of the whole group on cancel or timeout; every output line timestamped.
#pragma once

#include <lab/result.hpp>
#include <lab/sys/clock.hpp>
#include <lab/sys/process.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lab::worker {

class TaskCgroup;

struct RunRequest {
  std::string task_id;
  std::string command;                      // run with /bin/sh -c
  std::map<std::string, std::string> env;   // the task's own variables
  std::vector<int> gpus;                    // device indices for CUDA_VISIBLE_DEVICES
  int cpus = 1;
  std::uint64_t memory_bytes = 0;           // 0 = no limit
  std::int64_t time_limit_s = 0;            // 0 = no limit
  std::filesystem::path folder;             // the task's files
  std::string workdir = ".";                // relative to folder
};

struct RunnerOptions {
  std::chrono::milliseconds grace{10000};   // between TERM and KILL
  // Where task cgroups go; empty = detect (find_cgroup_parent), and fall back to rlimits.
  std::optional<std::filesystem::path> cgroup_parent;
  bool use_cgroups = true;
  std::string guard;  // sys::ProcessSpec::guard for the command; empty = none
};

struct RunOutcome {
  sys::ExitStatus status;
  bool timed_out = false;
  bool cancelled = false;
  bool out_of_memory = false;
  double cpu_seconds = 0;
  std::int64_t wall_ms = 0;
  std::string limits;  // "cgroup v2 (/sys/fs/cgroup/...)" or "rlimits"
  // Empty on success; otherwise why, in plain words ("exit code 3", "time limit 0:10:00 reached").
  std::string reason;
  bool succeeded() const { return reason.empty(); }
};

// Receives each formatted log line, "<ISO-8601 UTC> <out|err|lab> <text>\n". Called from
// the runner's reader thread and from the thread that calls start/wait/cancel.
using LogWriter = std::function<void(const std::string& line)>;

// Formats one log line as above.
std::string format_log_line(std::int64_t at_ms, std::string_view stream, std::string_view text);

class TaskRunner {
 public:
  TaskRunner(RunRequest request, LogWriter log, RunnerOptions options = {}, sys::Clock& clock = sys::real_clock());
  ~TaskRunner();

  // Starts the command. Fails (nothing running) if the folder or shell is missing.
  Result<void> start();
  // Asks the task to stop: TERM to its group now, KILL after the grace period. Thread-safe;
  // may be called before or during wait().
  void cancel();
  // Blocks until the task ends (enforcing the time limit) and reports how.
  RunOutcome wait();

  // How limits are enforced, known once start() succeeded: "cgroup v2 (<dir>)" or "rlimits".
  const std::string& limits() const { return limits_; }

  // $LAB_OUTPUT_DIR and $LAB_METRICS for this task.
  std::filesystem::path output_dir() const { return request_.folder / "outputs"; }
  // $LAB_METRICS: remote::kMetricsFile in the task folder, as an absolute path (docs/metrics.md).
  std::filesystem::path metrics_file() const { return std::filesystem::absolute(request_.folder) / ".lab-metrics.jsonl"; }

 private:
  void lab_line(const std::string& text);

  RunRequest request_;
  LogWriter log_;
  RunnerOptions options_;
  sys::Clock& clock_;
  std::unique_ptr<TaskCgroup> cgroup_;
  std::unique_ptr<sys::Process> process_;
  std::string limits_;
  std::int64_t started_ms_ = 0;
  std::atomic<bool> cancel_requested_{false};
};

// "0:10:00" / "1-02:00:00" for a number of seconds.
std::string format_time_limit(std::int64_t seconds);

}  // namespace lab::worker
