// Building Python environments once per key and sharing them (docs/environments.md).
// The remote and each worker machine own one Builder over their envs folder; every task
// that needs an environment calls `ensure`, holds the returned lease while it runs, and
// runs its command with the lease's activation (lab/envs/activate.hpp).
#pragma once

#include <lab/config/roles.hpp>
#include <lab/envs/key.hpp>
#include <lab/result.hpp>
#include <lab/sys/clock.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::envs {

struct BuilderOptions {
  std::filesystem::path envs_dir;                   // made absolute; created when missing
  std::string python = "python3";                   // the cluster's default interpreter (a name on PATH, or a path)
  std::optional<std::string> index_url;             // a PyPI mirror; pip's default index when neither is set
  std::optional<std::filesystem::path> wheelhouse;  // a folder of wheels; without index_url, the only source (offline)
  std::uint64_t max_bytes = 0;                      // evict after a build to stay under this; 0 = no limit
  std::string uv = "uv";                            // uv's name or path, used for uv.lock projects when found; "" = never
  std::chrono::seconds build_timeout{3600};         // a build running longer is killed and fails
};

// The Builder's options from remote.toml ([paths] envs_dir and [environments]).
BuilderOptions builder_options(const config::RemoteConfig& config);

// Receives each line of a build's output (pip's, uv's, and lab's own "$ command" lines)
// as it is produced, from the building thread. Must not call back into the Builder.
using BuildLog = std::function<void(std::string_view line)>;

struct Shared;  // state shared by a Builder and its leases (builder.cpp)

// A built environment in use. While any lease on it lives, eviction (in any process on this
// machine) leaves the environment alone. Move-only; releasing records the time of last use.
class EnvLease {
 public:
  EnvLease() = default;
  EnvLease(EnvLease&&) noexcept;
  EnvLease& operator=(EnvLease&&) noexcept;
  ~EnvLease();

  const std::string& key() const { return key_; }
  // The environment's root (its bin/python), or empty when the task runs on the cluster's
  // Python as it is (the key needed no build).
  const std::filesystem::path& root() const { return root_; }
  bool system() const { return root_.empty(); }
  // True when this call built the environment (false: it was cached or built by another task).
  bool built() const { return built_; }

 private:
  friend class Builder;
  std::shared_ptr<Shared> shared_;
  std::string key_;
  std::filesystem::path root_;
  int lock_fd_ = -1;  // holds a shared flock on the key's lock file
  bool built_ = false;
  void release();
};

// Counters, for tests and the remote's status page.
struct BuilderStats {
  int builds_started = 0;
  int builds_succeeded = 0;
  int builds_failed = 0;
};

// One built environment in the envs folder.
struct EnvInfo {
  std::string key;
  std::filesystem::path root;
  std::uint64_t size_bytes = 0;  // disk use measured when it was built
  std::int64_t last_used_ms = 0;  // wall-clock ms of the latest lease taken or released
  bool in_use = false;           // leased by this process
};

// What `evict_to` did.
struct EvictReport {
  std::vector<std::string> removed;  // keys, least recently used first
  std::uint64_t freed_bytes = 0;
  std::uint64_t remaining_bytes = 0;
  // Still over the limit because everything left is in use (or being built).
  bool over_limit = false;
};

// Thread-safe. Many Builders (in several processes) may share one envs folder: builds of
// one key are serialised by a lock file, so the key is built once.
class Builder {
 public:
  explicit Builder(BuilderOptions options, sys::Clock& clock = sys::real_clock());
  ~Builder();
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  // Returns a lease on the ready environment for `key`, building it first when needed from
  // the inputs in `project_dir` (which must hash to `key`). Concurrent calls for one key
  // build once: the others wait, and every caller's `log` receives the build's output
  // (from its start, then live). On failure (Errc::io with the tool's error lines, timeout,
  // unsupported for a missing Python, conflict when the inputs no longer match the key)
  // nothing is kept, and the next call tries again. Blocks for the whole build.
  Result<EnvLease> ensure(const EnvKey& key, const std::filesystem::path& project_dir, const BuildLog& log);

  // How many ensure() calls are waiting on the build of `key_hex` now (0: none running).
  int tasks_waiting(std::string_view key_hex) const;

  // A waiting task's reason: "preparing: building environment (shared with 3 other tasks)".
  std::string wait_reason(std::string_view key_hex) const;

  // The built environments, least recently used first.
  Result<std::vector<EnvInfo>> list() const;

  // Removes least recently used environments until the folder's environments take at most
  // `limit_bytes`, never one that is leased (here or in another process) or being built.
  // Leftovers of interrupted builds are removed too.
  Result<EvictReport> evict_to(std::uint64_t limit_bytes);

  BuilderStats stats() const;
  const BuilderOptions& options() const { return options_; }

 private:
  Result<void> build_shared(const EnvKey& key, const std::filesystem::path& project_dir, const BuildLog& log,
                            bool& built_here);
  Result<void> build_locked(const EnvKey& key, const std::filesystem::path& project_dir, const BuildLog& log);
  std::optional<EnvLease> lease_if_ready(const std::string& key);

  BuilderOptions options_;
  sys::Clock& clock_;
  std::shared_ptr<Shared> shared_;
};

// "preparing: building environment", with " (shared with N other task(s))" when `tasks` > 1.
std::string building_reason(int tasks);

}  // namespace lab::envs
