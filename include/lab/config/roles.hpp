// The server roles' config files: proxy.toml, remote.toml, worker.toml (docs/config.md).
// They are parsed like task.toml: every problem reported with file:line:column, unknown keys
// get "did you mean", secrets never appear in messages. Relative paths are resolved against
// the config file's folder, so every path below is absolute.
#pragma once

#include <lab/config/diagnostic.hpp>
#include <lab/config/sections.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::config {

// proxy.toml [server]: the students' HTTP(S) entry point.
struct ProxyServer {
  std::string host = "0.0.0.0";
  int port = 8800;
  std::optional<std::string> tls_cert;             // both or neither of cert and key
  std::optional<std::string> tls_key;
  std::optional<std::string> public_url;           // how students reach it, e.g. "https://lab.example.org"
};

// proxy.toml [auth]: accounts.
struct ProxyAuth {
  std::optional<std::string> invite_code;          // secret; required to register when set
  int token_ttl_hours = 24 * 30;
  bool open_registration = false;                  // anyone may register (invite_code still applies)
  int max_failed_sign_ins = 5;                     // per name and address within the lockout window
  int sign_in_lockout_seconds = 300;               // that window; refused until its oldest failure leaves it
};

// proxy.toml [cache]: the proxy's local copy of uploads.
struct ProxyCache {
  std::string dir;                                 // default: "cache" beside the config
  double max_size_gb = 50;
};

struct ProxyConfig {
  ProxyServer server;
  ProxyAuth auth;
  TransportSection transport;
  StorageSection storage;
  DatabaseSection database;
  ProxyCache cache;
};

// remote.toml [paths]: the cluster-side folders.
struct RemotePaths {
  std::string envs_dir;                            // required
  std::string tasks_dir;                           // required
  std::string cache_dir;                           // required
  std::string datasets_dir;                        // the shared dataset cache; "" = <cache_dir>/datasets
};

// remote.toml [executor]: how tasks are run: by a pool of `lab worker`s or by Slurm.
struct RemoteExecutor {
  std::string type = "workers";                    // "workers" or "slurm"
  std::optional<std::string> partition;            // slurm: --partition
  std::optional<std::string> qos;                  // slurm: --qos (high-priority tasks may use `qos_high`)
  std::optional<std::string> qos_high;             // slurm: --qos for priority = "high"
  std::optional<std::string> account;              // slurm: --account
  std::string gres_name = "gpu";                   // slurm: --gres=<gres_name>[:type]:N
  std::vector<std::string> extra_sbatch;           // slurm: more #SBATCH lines, e.g. "--exclusive"
  std::string sbatch = "sbatch";                   // slurm tools: a name looked up on PATH, or a path
  std::string squeue = "squeue";
  std::string scontrol = "scontrol";
  std::string sacct = "sacct";
  std::string scancel = "scancel";
  int poll_interval_ms = 2'000;                    // slurm: one squeue for all jobs this often
  int first_poll_ms = 100;                         // slurm: squeue this often in the 3 s after an sbatch
  int sbatch_parallel = 4;                         // slurm: sbatch commands run at once
  int command_timeout_ms = 30'000;
};

// remote.toml [workers]: where `lab worker`s connect (executor type "workers").
struct RemoteWorkers {
  std::string host = "0.0.0.0";
  int port = 8802;
  std::string token;                               // secret workers present; required for "workers"
  int lease_timeout_s = 60;
  int max_requeues = 2;
};

// remote.toml [environments]: building Python environments.
struct RemoteEnvironments {
  std::optional<std::string> index_url;            // PyPI mirror
  std::optional<std::string> wheelhouse;           // folder of local wheels
  double max_size_gb = 200;                        // the envs folder's limit; least recently used go first
  std::string python = "python3";                  // the cluster's default interpreter: a name on PATH, or a path
  int build_timeout_s = 3600;                      // a build running longer fails
};

struct RemoteConfig {
  TransportSection transport;
  StorageSection storage;
  DatabaseSection database;
  RemotePaths paths;
  RemoteExecutor executor;
  RemoteWorkers workers;
  RemoteEnvironments environments;
};

// `lab demo --config FILE`: remote.toml's [executor] and [storage] sections, nothing else.
struct DemoConfig {
  RemoteExecutor executor;
  StorageSection storage;
  bool has_storage = false;  // [storage] was written (else the demo keeps data under --dir)
};

// worker.toml [worker]: one machine's share of the pool.
struct WorkerConfig {
  std::string remote;                              // the remote's workers URL, required
  std::string token;                               // secret, required
  int cpus = 0;                                    // 0: all of this machine's
  std::uint64_t memory_bytes = 0;                  // 0: all of this machine's
  std::vector<int> gpus;                           // GPU indexes offered, e.g. [0, 1] or "0,1"
  int slots = 1;                                   // tasks run at once
  std::string work_dir;                            // default: "work" beside the config
  std::string datasets_dir;                        // this machine's dataset cache; "" = <work_dir>/datasets
};

// Parse and validate role config text; `base_dir` is where relative paths start.
Checked<ProxyConfig> parse_proxy(std::string_view text, std::string_view file, const std::filesystem::path& base_dir);
Checked<RemoteConfig> parse_remote(std::string_view text, std::string_view file, const std::filesystem::path& base_dir);
Checked<WorkerConfig> parse_worker(std::string_view text, std::string_view file, const std::filesystem::path& base_dir);

Checked<DemoConfig> parse_demo(std::string_view text, std::string_view file, const std::filesystem::path& base_dir);

// Read and parse a role config; relative paths start at the file's folder.
Checked<ProxyConfig> load_proxy(const std::filesystem::path& path);
Checked<RemoteConfig> load_remote(const std::filesystem::path& path);
Checked<WorkerConfig> load_worker(const std::filesystem::path& path);
Checked<DemoConfig> load_demo(const std::filesystem::path& path);
// As load_worker, for `lab worker --config F` when the command line gives some required keys:
// those named in `optional_keys` ("remote", "token") may then be missing from the file.
Checked<WorkerConfig> load_worker(const std::filesystem::path& path, const std::vector<std::string>& optional_keys);

}  // namespace lab::config
