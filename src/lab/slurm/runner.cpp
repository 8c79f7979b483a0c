#include <lab/slurm/runner.hpp>

#include <lab/sys/process.hpp>

#include <array>
#include <mutex>
#include <string_view>

extern char** environ;

namespace lab::slurm {
namespace {

constexpr std::array<std::string_view, 9> kKeptNames = {
    "PATH", "LD_LIBRARY_PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "SHELL"};
constexpr std::array<std::string_view, 5> kKeptPrefixes = {"LC_", "SLURM_", "SBATCH_", "SQUEUE_", "SACCT_"};

bool kept(std::string_view name) {
  for (auto n : kKeptNames)
    if (name == n) return true;
  for (auto p : kKeptPrefixes)
    if (name.starts_with(p)) return true;
  return false;
}

// How long a child that ignored SIGTERM after its timeout gets before SIGKILL.
constexpr std::chrono::milliseconds kKillGrace{200};

class ProcessRunner final : public CommandRunner {
 public:
  ProcessRunner() : env_(command_environment(environ)) {}

  Result<CommandOutput> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) override {
    if (argv.empty()) return fail(Errc::invalid_argument, "no program to run");
    // The sink runs on the process's reader thread; `mu` guards `out` while it does.
    std::mutex mu;
    CommandOutput out;
    sys::ProcessSpec spec;
    spec.argv = argv;
    spec.env = env_;
    spec.clear_env = true;
    auto proc = sys::Process::spawn(spec, [&](sys::Stream s, std::string_view line, std::int64_t) {
      std::lock_guard lock(mu);
      std::string& to = s == sys::Stream::out ? out.out : out.err;
      to.append(line);
      to.push_back('\n');
    });
    if (!proc) return std::unexpected(proc.error());
    auto status = (*proc)->wait(timeout);
    if (!status) {
      (*proc)->terminate(kKillGrace);
      return fail(Errc::timeout, argv[0] + " did not answer within " + std::to_string(timeout.count()) + " ms");
    }
    std::lock_guard lock(mu);
    out.exit_code = status->shell_code();
    return out;
  }

 private:
  const std::map<std::string, std::string> env_;
};

}  // namespace

std::map<std::string, std::string> command_environment(char** environment) {
  std::map<std::string, std::string> env;
  for (char** e = environment; e && *e; ++e) {
    std::string_view kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos && kept(kv.substr(0, eq)))
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::unique_ptr<CommandRunner> make_process_runner() { return std::make_unique<ProcessRunner>(); }

}  // namespace lab::slurm
