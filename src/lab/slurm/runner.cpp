#include <lab/slurm/runner.hpp>

#include <lab/sys/process.hpp>

#include <mutex>

namespace lab::slurm {
namespace {

// How long a child that ignored SIGTERM after its timeout gets before SIGKILL.
constexpr std::chrono::milliseconds kKillGrace{200};

class ProcessRunner final : public CommandRunner {
 public:
  Result<CommandOutput> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) override {
    if (argv.empty()) return fail(Errc::invalid_argument, "no program to run");
    // The sink runs on the process's reader thread; `mu` guards `out` while it does.
    std::mutex mu;
    CommandOutput out;
    sys::ProcessSpec spec;
    spec.argv = argv;
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
};

}  // namespace

std::unique_ptr<CommandRunner> make_process_runner() { return std::make_unique<ProcessRunner>(); }

}  // namespace lab::slurm
