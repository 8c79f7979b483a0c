// The step every runner of tasks shares (the remote for Slurm, each worker for itself):
// compute a task's key from its files, build or reuse its environment, and tell the task's
// log what happened (docs/environments.md, "Where environments are built").
#pragma once

#include <lab/config/task.hpp>
#include <lab/envs/builder.hpp>

#include <filesystem>
#include <functional>
#include <string>

namespace lab::envs {

// Where prepare_task_env reports.
struct PrepareHooks {
  // A line for the task's log: which inputs make the key, whether the environment is built
  // now, shared with another task's build or reused, and each line of the build ("env: ...").
  std::function<void(const std::string& text)> note;
  // The task's waiting reason changed ("preparing: building environment (shared with 1
  // other task)"); may be empty.
  std::function<void(const std::string& reason)> status;
};

// What preparing a task's environment gave.
struct TaskEnv {
  EnvLease lease;        // hold while the task runs; a system lease when nothing was built
  std::string key;       // the key's hex, empty when the key could not be computed
  bool needed = false;   // the key needs a build (else the task runs on the default Python)
  std::string failure;   // non-empty: the task must fail with this (the build's error lines included)
};

// Computes the key of the task files in `folder` with the task's [environment] and, when it
// needs one, returns a lease on its built environment (building it once per key on this
// machine). Never throws; a failure is in `failure` and nothing is cached.
TaskEnv prepare_task_env(Builder& builder, const std::filesystem::path& folder, const config::Environment& env,
                         const PrepareHooks& hooks);

}  // namespace lab::envs
