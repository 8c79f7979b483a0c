// A scripted CommandRunner for tests: answers by program name, records every call.
#pragma once

#include <lab/slurm/runner.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace lab::slurm {

// Answers each call with the handler registered for its program's base name ("sbatch" for
// "/usr/bin/sbatch"); a program with no handler fails with Errc::not_found. Thread-safe.
class FakeRunner final : public CommandRunner {
 public:
  using Handler = std::function<Result<CommandOutput>(const std::vector<std::string>& argv)>;

  // Sets the handler for `program` (replacing any earlier one).
  void on(const std::string& program, Handler handler);
  // Answers `program` always with this output.
  void reply(const std::string& program, int exit_code, std::string out, std::string err = {});

  Result<CommandOutput> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) override;

  // Every argv run so far, in order.
  std::vector<std::vector<std::string>> calls() const;
  // How many calls ran `program`.
  int count(const std::string& program) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Handler> handlers_;      // guarded by mu_
  std::vector<std::vector<std::string>> calls_;  // guarded by mu_
};

}  // namespace lab::slurm
