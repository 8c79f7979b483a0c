// The Core's environment step: for executors that run tasks on this machine's filesystem
// (Slurm), the task's Python environment is built under [paths] envs_dir before the task is
// handed over, and the executor runs the command inside it (ExecTask::python_env).
#include "core.hpp"

#include <lab/config/task_json.hpp>
#include <lab/envs/prepare.hpp>

namespace lab::remote {

std::optional<std::filesystem::path> Core::prepare_env(const ledger::Task& task, const std::filesystem::path& folder) {
  if (!envs_) return std::filesystem::path();
  config::Environment env;
  // The proxy checked the spec; one that no longer parses runs without an [environment].
  if (auto spec = config::task_from_json(nlohmann::json::parse(task.spec_json, nullptr, false), "task " + task.id))
    env = spec->environment;
  envs::PrepareHooks hooks;
  hooks.note = [&](const std::string& text) {
    (void)write([&](ledger::Db& tx) { return note_tx(tx, task.id, text); });
  };
  hooks.status = [&](const std::string& reason) {
    (void)write([&](ledger::Db& tx) {
      return send_status(tx, task.id, ledger::TaskState::preparing, reason, clock_->now_ms());
    });
  };
  envs::TaskEnv got = envs::prepare_task_env(*envs_, folder, env, hooks);
  if (!got.failure.empty()) {
    end_unstarted(task.id, ledger::TaskState::failed, got.failure);
    return std::nullopt;
  }
  if (got.lease.built()) say("built environment " + got.key + " for task " + task.id);
  std::filesystem::path root = got.lease.root();
  if (!got.lease.system()) {
    std::lock_guard lock(env_mu_);
    env_leases_[task.id] = std::move(got.lease);
  }
  return root;
}

void Core::release_env(const std::string& task_id) {
  envs::EnvLease done;  // released outside the lock
  std::lock_guard lock(env_mu_);
  auto it = env_leases_.find(task_id);
  if (it == env_leases_.end()) return;
  done = std::move(it->second);
  env_leases_.erase(it);
}

}  // namespace lab::remote
