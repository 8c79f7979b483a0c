#include "task_env.hpp"

#include <lab/envs/activate.hpp>
#include <lab/envs/key.hpp>
#include <lab/envs/wire.hpp>

#include <cstdlib>

namespace lab::worker {

Result<envs::Builder*> WorkerEnvs::builder(const nlohmann::json& sources) {
  auto options = envs::options_from_json(sources, dir_);
  if (!options) return std::unexpected(options.error());
  const std::string id = sources.dump();
  std::lock_guard lock(mu_);
  auto& b = builders_[id];
  if (!b) b = std::make_unique<envs::Builder>(std::move(*options));
  return b.get();
}

bool job_needs_env(const Assignment& a, const std::filesystem::path& folder) {
  auto key = envs::compute_key(folder, a.environment);
  return !key || key->needs_build();
}

envs::TaskEnv prepare_job_env(WorkerEnvs& envs, const Assignment& a, const std::filesystem::path& folder,
                              const std::function<void(const std::string&)>& note) {
  auto builder = envs.builder(a.environments);
  if (!builder) {
    envs::TaskEnv out;
    out.failure = "cannot build the task's Python environment: " + builder.error().message;
    return out;
  }
  return envs::prepare_task_env(**builder, folder, a.environment, envs::PrepareHooks{note, nullptr});
}

std::map<std::string, std::string> job_env_vars(const envs::EnvLease& lease) {
  const char* path = std::getenv("PATH");
  return envs::activation_env(lease.root(), path ? path : "/usr/local/bin:/usr/bin:/bin");
}

}  // namespace lab::worker
