// The seam between the Slurm client and the programs it runs (sbatch, squeue, scontrol,
// sacct, scancel): run one program, wait at most a timeout, capture its output. The real
// runner spawns processes; tests use `FakeRunner` (lab/slurm/fake_runner.hpp) to script
// answers, hangs and garbage.
#pragma once

#include <lab/result.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lab::slurm {

// What a program printed and how it ended.
struct CommandOutput {
  int exit_code = 0;  // shell-style: 128 + signal when killed by a signal
  std::string out;    // stdout, lines joined with '\n' (each line ends with '\n')
  std::string err;    // stderr, likewise
};

// Runs one program and captures its output. Implementations are thread-safe.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs `argv` (argv[0] a path or a name on PATH) with stdin from /dev/null and waits at
  // most `timeout`. A non-zero exit is a success carrying `exit_code`. Fails with
  // Errc::not_found when the program does not exist, Errc::timeout when it did not end in
  // time (its whole process group is killed first), Errc::io when it cannot be started.
  virtual Result<CommandOutput> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) = 0;
};

// The part of an environment (`environ`-style, null-terminated) that Slurm commands get:
// the variables a job needs (PATH, LD_LIBRARY_PATH, HOME, USER, LOGNAME, LANG, LC_*, TZ,
// TMPDIR, SHELL) and Slurm's own settings (SLURM_*, SBATCH_*, SQUEUE_*, SACCT_*). Jobs are
// submitted with `--export=ALL`, so this is all a job inherits from the remote: its
// secrets (storage keys, tokens) never reach a job. (A named --export list would keep them
// out too, but makes slurmd build the user's login environment for every job, which costs
// seconds per start.)
std::map<std::string, std::string> command_environment(char** environment);

// The real runner, on lab::sys::Process: every program runs with
// command_environment(environ) only. Never null.
std::unique_ptr<CommandRunner> make_process_runner();

}  // namespace lab::slurm
