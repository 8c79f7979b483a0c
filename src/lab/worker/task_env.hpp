// A task's Python environment on this worker machine: built (or reused) under
// <work_dir>/envs with lab::envs, and the command run inside it (docs/environments.md,
// "On workers"). Private to src/lab/worker.
#pragma once

#include "assignment.hpp"

#include <lab/envs/builder.hpp>
#include <lab/envs/prepare.hpp>
#include <lab/result.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace lab::worker {

// The agent's environments: one Builder per package source the remote names (normally one),
// all over one envs folder, so a key is built once on this machine however many jobs need it.
// Thread-safe.
class WorkerEnvs {
 public:
  explicit WorkerEnvs(std::filesystem::path envs_dir) : dir_(std::move(envs_dir)) {}

  // The Builder for remote.toml's [environments] as sent in an assignment. Errc::corrupt when
  // the settings cannot be read. The pointer lives as long as this object.
  Result<envs::Builder*> builder(const nlohmann::json& sources);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<envs::Builder>> builders_;  // guarded by mu_; by the settings' JSON
};

// Builds or reuses the environment of the task in `folder` with the agent's Builder for
// the assignment's package sources (envs::prepare_task_env); `note` writes to the task's log.
envs::TaskEnv prepare_job_env(WorkerEnvs& envs, const Assignment& a, const std::filesystem::path& folder,
                              const std::function<void(const std::string&)>& note);

// True when the task in `folder` needs an environment built (computing its key again in
// prepare_job_env is cheap); also true when the key cannot be computed, so that is reported.
bool job_needs_env(const Assignment& a, const std::filesystem::path& folder);

// The variables that run a command inside `lease`'s environment (none for a system lease).
std::map<std::string, std::string> job_env_vars(const envs::EnvLease& lease);

}  // namespace lab::worker
