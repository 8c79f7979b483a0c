// What every part of a running proxy shares: its config, ledger connections, storage,
// transport, the log watch list and the remote's last sign of life. Private to lab::proxy.
#pragma once

#include "db_pool.hpp"
#include "log_store.hpp"
#include "pool_view.hpp"
#include "sign_in_guard.hpp"

#include <lab/config/roles.hpp>
#include <lab/storage/storage.hpp>
#include <lab/sys/clock.hpp>
#include <lab/transport/transport.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

namespace lab::proxy {

// Largest JSON request body; blob uploads are streamed and not bound by it.
inline constexpr std::size_t kMaxJsonBodyBytes = 64u << 20;
// Largest blob upload request with a declared length (chunked ones are bound per entry).
inline constexpr std::size_t kMaxBlobRequestBytes = std::size_t{64} << 30;
// The remote counts as "up" when it was heard from within this window.
inline constexpr std::int64_t kRemoteUpWindowMs = 60'000;
// Longest wait a log long-poll may ask for.
inline constexpr int kMaxLogWaitSeconds = 60;
// HTTP worker threads: each log long-poll holds one while it waits.
inline constexpr int kHttpThreads = 256;

// Owned by the running proxy; handlers get a reference. Thread-safe as noted per member.
struct Context {
  config::ProxyConfig config;                          // read-only after start
  std::function<void(std::string_view)> log_fn;        // nullptr = stderr
  sys::Clock* clock = &sys::real_clock();
  std::unique_ptr<storage::Storage> storage;           // thread-safe
  std::unique_ptr<transport::Transport> transport;     // thread-safe
  std::unique_ptr<DbPool> db;                          // thread-safe
  LogWatch logs;                                       // thread-safe
  PoolView pool;                                       // thread-safe; the remote's newest pool snapshot
  std::unique_ptr<SignInGuard> sign_ins;               // thread-safe; set from [auth] at start
  std::atomic<std::int64_t> remote_last_seen_ms{0};    // 0 = never
  std::filesystem::path tmp_dir;                       // upload staging files (cache/tmp)

  // One line to the proxy's log. Thread-safe if `log_fn` is.
  void log(std::string_view line) const;
  std::int64_t now_ms() const { return clock->now_ms(); }
};

}  // namespace lab::proxy
