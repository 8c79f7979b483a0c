// The table from remote.toml's [executor] type to the backend that runs tasks.
#include <lab/remote/executor.hpp>

#include "worker_pool.hpp"

#include <lab/util/strings.hpp>

namespace lab::remote {
namespace {

// Stands in for the Slurm executor until it is built; keeps "slurm" a known type.
Result<std::unique_ptr<Executor>> make_slurm_executor(const ExecutorContext&) {
  return fail(Errc::unsupported,
              "the Slurm executor is not built yet; set [executor] type = \"workers\" in remote.toml for now");
}

struct Backend {
  const char* type;
  Result<std::unique_ptr<Executor>> (*make)(const ExecutorContext&);
};

constexpr Backend kBackends[] = {
    {"workers", make_worker_pool},
    {"slurm", make_slurm_executor},
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
