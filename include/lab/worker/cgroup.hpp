// Per-task cgroup v2 limits, where the worker may create cgroups (a delegated subtree, or
// root on a cgroup v2 host). Where it cannot, the worker falls back to rlimits and a
// wall-clock kill, and says so in the task's log.
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace lab::worker {

// One task's cgroup. Removing it (destructor) kills anything left inside first.
class TaskCgroup {
 public:
  // Creates `<parent>/lab-<name>` with memory.max (0 = none) and cpu.max (cpus * period).
  static Result<std::unique_ptr<TaskCgroup>> create(const std::filesystem::path& parent, const std::string& name,
                                                     std::uint64_t memory_bytes, int cpus);
  ~TaskCgroup();
  // The file a child writes its pid to (ProcessSpec::cgroup_procs).
  std::filesystem::path procs_file() const { return dir_ / "cgroup.procs"; }
  // How many times the kernel's OOM killer fired inside (memory.events `oom_kill`).
  std::uint64_t oom_kills() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit TaskCgroup(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

// The cgroup v2 folder this process may create task cgroups under, or Errc::unsupported
// with the reason (no cgroup v2 mounted, memory/cpu controllers not delegated, not writable).
Result<std::filesystem::path> find_cgroup_parent(const std::filesystem::path& mount = "/sys/fs/cgroup");

}  // namespace lab::worker
