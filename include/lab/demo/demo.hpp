// `lab demo`: the whole system on one machine, in one process. It starts the remote (with a
// pool of in-process workers, or handing tasks to Slurm), then the proxy, all talking real HTTP over loopback, with
// local-directory storage and every ledger under one folder; then signs the local CLI in as
// the demo user so `lab submit` works at once.
#pragma once

#include <lab/config/roles.hpp>
#include <lab/result.hpp>

#include <filesystem>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lab::demo {

struct Options {
  std::filesystem::path dir;  // everything the demo keeps: ledgers, storage, task folders
  int port = 8800;            // the proxy's port; 0 = any free port
  int workers = 2;            // in-process `lab worker`s (none when `executor.type` is "slurm")
  // remote.toml's [executor] for the demo's remote: "workers" (the default) or "slurm".
  config::RemoteExecutor executor;
  // remote.toml's [storage] for the remote and the proxy; nullopt = a local folder under `dir`.
  std::optional<config::StorageSection> storage;
  std::string user = "demo";  // the account the local CLI is signed in as
  std::function<void(std::string_view)> log;  // the roles' log lines; nullptr = stderr
};

// A running demo. Thread-safety: `stop` may be called from any thread, once or more.
class Demo {
 public:
  virtual ~Demo() = default;
  // The proxy's address, e.g. "http://127.0.0.1:8800": the API and the web pages.
  virtual std::string proxy_url() const = 0;
  // Stops the proxy first (no new work), then the workers, then the remote.
  virtual void stop() = 0;
};

// Starts everything. Fails with a plain-words error when a role cannot start (most often:
// the port is in use — the message says which and suggests --port).
Result<std::unique_ptr<Demo>> start(const Options& options);

// A session minted for the demo user; the caller saves it as the CLI's credentials.
struct SignIn {
  std::string token;  // the bearer token (only its digest is stored in the ledger)
  std::int64_t expires_at_ms = 0;
};

// Makes sure `user` exists in the proxy ledger at `proxy_db` and mints a session for it,
// valid `ttl_hours`. A new account gets a random password nobody knows: the demo signs the
// CLI in directly, and `lab proxy user add` can reset it.
Result<SignIn> sign_in(const std::filesystem::path& proxy_db, const std::string& user, int ttl_hours);

}  // namespace lab::demo
