#include "worker_pool.hpp"

#include "pool.hpp"
#include "results.hpp"
#include "store.hpp"
#include "worker_routes.hpp"

#include <lab/envs/wire.hpp>
#include <lab/net/server.hpp>
#include <lab/sys/clock.hpp>

#include <condition_variable>
#include <thread>

namespace lab::remote {
namespace {

// How often the watchdog looks for silent workers (real time).
constexpr std::chrono::milliseconds kWatchdogInterval{100};
// Threads of the worker server: each waiting lease holds one.
constexpr int kWorkerServerThreads = 64;

class WorkerPool final : public Executor {
 public:
  WorkerPool(std::unique_ptr<ledger::Db> db, PoolOptions options, const ExecutorContext& ctx, sys::Clock& clock)
      : db_(std::move(db)), pool_(std::move(options), *ctx.sink, *db_, clock, ctx.log) {}
  ~WorkerPool() override { stop(); }

  std::vector<PoolEntry> pool() override { return pool_.entries(); }

  Result<void> start(const ExecutorContext& ctx) {
    net::ServerOptions so;
    so.host = ctx.config.workers.host;
    so.port = ctx.config.workers.port;
    so.token = ctx.config.workers.token;
    so.threads = kWorkerServerThreads;
    auto server = net::Server::create(so);
    if (!server) return std::unexpected(server.error());
    server_ = std::move(*server);
    add_worker_routes(*server_, pool_, *ctx.storage, std::filesystem::path(ctx.config.paths.cache_dir) / "uploads");
    if (auto port = server_->start(); !port) return fail_with_context(port.error(), "the worker server");
    watchdog_ = std::thread([this] { watch(); });
    return {};
  }

  Result<void> submit(const ExecTask& task) override { return pool_.submit(task); }
  Result<void> adopt(const ExecTask& task, const std::string& where) override { return pool_.adopt(task, where); }
  void cancel(const std::string& task_id) override { pool_.cancel(task_id); }
  std::string url() const override {
    if (!server_) return "";
    return std::string(server_->tls() ? "https://" : "http://") + "127.0.0.1:" + std::to_string(server_->port());
  }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    cv_.notify_all();
    pool_.shutdown();
    if (watchdog_.joinable()) watchdog_.join();
    if (server_) server_->stop();
  }

 private:
  void watch() {
    std::unique_lock lock(mu_);
    while (!stopped_) {
      cv_.wait_for(lock, kWatchdogInterval);
      if (stopped_) break;
      lock.unlock();
      pool_.sweep();
      lock.lock();
    }
  }

  std::unique_ptr<ledger::Db> db_;  // remote_workers; used by pool_ under its mutex
  Pool pool_;
  std::unique_ptr<net::Server> server_;
  std::thread watchdog_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<Executor>> make_worker_pool(const ExecutorContext& ctx) {
  const config::RemoteWorkers& w = ctx.config.workers;
  if (w.token.empty())
    return fail(Errc::invalid_argument, "[workers] token is empty; set a long random secret that workers present");
  auto db = ledger::Db::open(ctx.db_path);
  if (!db) return std::unexpected(db.error());
  if (auto m = store::migrate(**db); !m) return std::unexpected(m.error());
  PoolOptions po;
  po.lease_timeout_ms = std::int64_t(w.lease_timeout_s) * 1000;
  po.heartbeat_ms = std::min<std::int64_t>(10'000, std::max<std::int64_t>(100, po.lease_timeout_ms / 4));
  po.max_requeues = w.max_requeues;
  storage::Storage* storage = ctx.storage;
  po.stored_results = [storage](const std::string& id) { return list_results(*storage, id); };
  po.environments = envs::sources_to_json(ctx.config.environments);
  sys::Clock& clock = ctx.clock ? *ctx.clock : sys::real_clock();
  auto pool = std::make_unique<WorkerPool>(std::move(*db), std::move(po), ctx, clock);
  if (auto s = pool->start(ctx); !s) return std::unexpected(s.error());
  return std::unique_ptr<Executor>(std::move(pool));
}

}  // namespace lab::remote
