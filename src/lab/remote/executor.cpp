// The table from remote.toml's [executor] type to the backend that runs tasks.
#include <lab/remote/executor.hpp>

#include "slurm_executor.hpp"
#include "worker_pool.hpp"

#include <lab/util/strings.hpp>

namespace lab::remote {
namespace {

// Slurm commands run as real processes.
Result<std::unique_ptr<Executor>> make_slurm(const ExecutorContext& ctx) { return make_slurm_executor(ctx, nullptr); }

struct Backend {
  const char* type;
  Result<std::unique_ptr<Executor>> (*make)(const ExecutorContext&);
};

constexpr Backend kBackends[] = {
    {"workers", make_worker_pool},
    {"slurm", make_slurm},
};

}  // namespace

std::vector<std::string> executor_types() {
  std::vector<std::string> names;
  for (const auto& b : kBackends) names.emplace_back(b.type);
  return names;
}

Result<std::unique_ptr<Executor>> make_executor(const ExecutorContext& ctx) {
  const std::string& type = ctx.config.executor.type;
  for (const auto& b : kBackends)
    if (type == b.type) return b.make(ctx);
  auto names = executor_types();
  std::string message = "unknown executor type '" + type + "'";
  if (auto near = util::closest_match(type, names)) message += " (did you mean '" + *near + "'?)";
  message += "; known types: " + util::join(names, ", ");
  return fail(Errc::invalid_argument, message);
}

}  // namespace lab::remote
