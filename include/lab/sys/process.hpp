// Child processes run in their own process group, with their output read line by line.
// This is how a worker runs a task: `sh -c CMD` in the task's folder, limits applied, every
// line of stdout and stderr handed to a callback with a timestamp, and the whole group
// signalled on cancel or timeout.
#pragma once

#include <lab/result.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::sys {

enum class Stream { out, err };

// Resource limits applied in the child with setrlimit before exec. Zero = no limit.
struct RLimits {
  // RLIMIT_DATA: caps private writable memory (heap and anonymous mappings) without
  // counting address space merely reserved, which GPU runtimes reserve in terabytes.
  std::uint64_t data_bytes = 0;
  std::uint64_t address_space_bytes = 0;  // RLIMIT_AS
  std::uint64_t cpu_seconds = 0;          // RLIMIT_CPU: SIGXCPU, then SIGKILL
  std::uint64_t open_files = 0;           // RLIMIT_NOFILE
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH if it has no '/'
  std::filesystem::path cwd;      // empty = the caller's
  // The child's whole environment when `clear_env`; otherwise these are added to (and
  // override) the caller's environment.
  std::map<std::string, std::string> env;
  bool clear_env = false;
  RLimits limits;
  // When set, the child writes its pid into this file before exec (a cgroup v2
  // `cgroup.procs`), so it and everything it starts are accounted there from the start.
  std::filesystem::path cgroup_procs;
  // When set, a lab binary ("/proc/self/exe" in lab itself) that runs the child under a guard
  // (`run_guard`): the guard leads the process group, runs argv as its own child and exits as
  // it exits; if this process dies, even by SIGKILL, the guard stops the whole group. Without
  // it, a task would outlive a killed worker and run twice once requeued.
  std::string guard;
};

// How a process ended.
struct ExitStatus {
  int exit_code = -1;  // valid when !signaled
  int signal = 0;      // the signal that killed it, when signaled
  bool signaled = false;
  // Shell-style code: exit_code, or 128 + signal.
  int shell_code() const { return signaled ? 128 + signal : exit_code; }
  std::string describe() const;  // "exit code 3", "killed by SIGKILL"
};

// Called from the reader thread for every complete line (without its '\n'), and for a
// final unterminated line at EOF. Lines longer than kMaxLine are split. `at_ms` is the
// wall-clock time the line was read.
using LineSink = std::function<void(Stream stream, std::string_view line, std::int64_t at_ms)>;

// The hidden verb `lab __task-guard PARENT_PID -- PROGRAM [ARGS...]` that ProcessSpec::guard
// runs. Not for people: `lab help` does not list it.
inline constexpr std::string_view kGuardVerb = "__task-guard";
// This lab binary, as a guard path for ProcessSpec::guard (valid in the forked child too).
inline constexpr const char* kSelfExe = "/proc/self/exe";
// How long the guard waits between SIGTERM and SIGKILL once its parent is gone.
inline constexpr std::chrono::milliseconds kGuardGrace{5000};

// The guard itself (`args` after the verb). Runs PROGRAM as a child in this process group,
// polls for PARENT_PID ceasing to be its parent (every 200 ms), and then sends SIGTERM to the
// group and SIGKILL after kGuardGrace. Ignores SIGTERM/SIGINT/SIGHUP/SIGQUIT itself, so a
// group signal from the parent reaches the child and the guard still reports how it ended.
// Returns the child's exit code; a child killed by a signal is passed on by dying of the same
// signal. Returns 2 for malformed arguments.
int run_guard(const std::vector<std::string>& args);

class Process {
 public:
  static constexpr std::size_t kMaxLine = 64 * 1024;

  // Starts the child in a new process group whose id is its pid. Fails with Errc::not_found
  // when the program does not exist, Errc::io for other spawn failures (message names the
  // program and the reason). `sink` may be empty to discard output.
  static Result<std::unique_ptr<Process>> spawn(const ProcessSpec& spec, LineSink sink);

  // Waits for the child and the end of its output; kills the group if still running.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Sends `sig` to the whole process group. Harmless once the group is gone.
  void signal_group(int sig);

  // Waits up to `timeout` (forever when nullopt) for the child to exit and its output to be
  // drained. nullopt = still running when the timeout passed.
  std::optional<ExitStatus> wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // SIGTERM to the group, then SIGKILL to the group after `grace` if the child has not
  // exited; then waits. Also kills what is left of the group after the child exits.
  ExitStatus terminate(std::chrono::milliseconds grace);

  // Resource usage of the reaped child (user + system CPU seconds), once it has exited.
  double cpu_seconds() const { return cpu_seconds_; }

 private:
  struct Impl;
  explicit Process(std::unique_ptr<Impl> impl, pid_t pid);
  std::unique_ptr<Impl> impl_;
  pid_t pid_;
  double cpu_seconds_ = 0;
};

}  // namespace lab::sys
