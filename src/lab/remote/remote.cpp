// `remote::start`: wires the ledger, storage, transport, Core and executor together and runs
// the role's threads: the consumer of "to_remote" and a few preparers.
#include <lab/remote/remote.hpp>

#include "core.hpp"

#include <lab/ledger/schema.hpp>
#include <lab/transport/consumer.hpp>
#include <lab/storage/from_config.hpp>
#include <lab/transport/from_config.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <set>
#include <iostream>
#include <thread>

namespace lab::remote {
namespace {

// How long one receive waits before the consumer looks at its stop flag again.
constexpr std::chrono::milliseconds kReceiveSlice{500};
// Pause after a failed receive (peer down, disk error) before trying again.
constexpr std::chrono::milliseconds kRetryPause{1000};
// How often the compute pool is looked at (sent to the proxy when it changed), and the
// longest the proxy goes without a fresh snapshot.
constexpr std::chrono::milliseconds kPoolCheck{2000};
constexpr std::chrono::milliseconds kPoolRefresh{15000};
// How often the folders of ended tasks are looked for (each goes at its second sweep).
constexpr std::chrono::milliseconds kSweepEvery{30000};
// Tasks prepared at once: a task whose environment takes minutes to build does not hold up
// the tasks behind it, and a burst of submissions is materialised in parallel. (Preparers
// share the blob cache, whose temporary files are therefore per call: materialise.hpp.)
constexpr int kPreparers = 4;

transport::Options transport_options(const config::RemoteConfig& c, const std::function<void(std::string_view)>& log) {
  transport::Options o = transport::options_from_config(c.transport, c.storage, c.database.path, "is `lab proxy` running?");
  o.log = log;
  return o;
}

class RemoteImpl final : public Remote {
 public:
  explicit RemoteImpl(Options o) : options_(std::move(o)) {
    if (!options_.log) options_.log = [](std::string_view l) { std::cerr << "lab remote: " << l << "\n"; };
  }
  ~RemoteImpl() override { stop(); }

  Result<void> open() {
    const config::RemoteConfig& c = options_.config;
    const std::string db_dir = std::filesystem::path(c.database.path).parent_path().string();
    for (const auto& dir : {c.paths.tasks_dir, c.paths.cache_dir, db_dir}) {
      if (dir.empty()) continue;
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) return fail(Errc::io, "cannot create the folder " + dir + ": " + ec.message());
    }
    auto db = ledger::open_ledger(c.database.path);
    if (!db) return std::unexpected(db.error());
    if (auto m = store::migrate(**db); !m) return m;
    auto consumer_db = ledger::Db::open(c.database.path);
    if (!consumer_db) return std::unexpected(consumer_db.error());
    consumer_db_ = std::move(*consumer_db);
    auto st = storage::open_storage(c.storage, "remote.toml");
    if (!st) return fail_with_context(st.error(), "[storage]");
    storage_ = std::move(*st);
    options_.log("storage: " + storage::describe(storage::options_from_config(c.storage)));
    // The transport keeps real time: its leases and retry pauses are not the remote's to fake.
    auto tr = transport::make_transport(transport_options(c, options_.log));
    if (!tr) return fail_with_context(tr.error(), "[transport]");
    transport_ = std::move(*tr);

    Core::Deps deps;
    deps.config = c;
    deps.db = std::move(*db);
    deps.transport = transport_.get();
    deps.storage = storage_.get();
    deps.clock = options_.clock;
    deps.log = options_.log;
    deps.prepare_later = [this](const std::string& id) { enqueue_prepare(id); };
    core_ = std::make_unique<Core>(std::move(deps));

    ExecutorContext ctx;
    ctx.config = c;
    ctx.sink = core_.get();
    ctx.storage = storage_.get();
    ctx.clock = options_.clock;
    ctx.db_path = c.database.path;
    ctx.log = options_.log;
    auto ex = make_executor(ctx);
    if (!ex) return fail_with_context(ex.error(), "[executor]");
    executor_ = std::move(*ex);
    core_->set_executor(executor_.get());

    for (int i = 0; i < kPreparers; ++i) preparers_.emplace_back([this] { prepare_loop(); });
    if (auto r = core_->recover(); !r) return fail_with_context(r.error(), "resuming the ledger's tasks");
    consumer_ = std::thread([this] { consume_loop(); });
    pool_ = std::thread([this] { pool_loop(); });
    return {};
  }

  std::string transport_url() const override { return transport_ ? transport_->listen_url() : ""; }
  std::string workers_url() const override { return executor_ ? executor_->url() : ""; }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (consumer_.joinable()) consumer_.join();
    for (auto& p : preparers_)
      if (p.joinable()) p.join();
    if (pool_.joinable()) pool_.join();
    if (executor_) executor_->stop();
    executor_.reset();
    core_.reset();
    transport_.reset();
  }

 private:
  void enqueue_prepare(const std::string& id) {
    std::lock_guard lock(mu_);
    to_prepare_.push_back(id);
    cv_.notify_all();
  }

  // Takes the next task no other preparer is working on (an id queued twice waits for the
  // first preparation to end, then finds the task already handed over).
  void prepare_loop() {
    std::unique_lock lock(mu_);
    while (true) {
      auto next = to_prepare_.end();
      cv_.wait(lock, [&] {
        next = std::find_if(to_prepare_.begin(), to_prepare_.end(),
                            [&](const std::string& id) { return !in_preparation_.contains(id); });
        return stopping_ || next != to_prepare_.end();
      });
      if (stopping_) return;
      std::string id = std::move(*next);
      to_prepare_.erase(next);
      in_preparation_.insert(id);
      lock.unlock();
      core_->prepare(id);
      lock.lock();
      in_preparation_.erase(id);
      cv_.notify_all();
    }
  }

  // The admin page's compute pool: a snapshot to the proxy when it changes (docs/messages.md);
  // and, less often, the folders of ended tasks removed.
  void pool_loop() {
    std::unique_lock lock(mu_);
    auto next_sweep = std::chrono::steady_clock::now();
    while (!stopping_) {
      lock.unlock();
      core_->announce_pool(kPoolRefresh);
      if (std::chrono::steady_clock::now() >= next_sweep) {
        core_->sweep_folders();
        next_sweep = std::chrono::steady_clock::now() + kSweepEvery;
      }
      lock.lock();
      cv_.wait_for(lock, kPoolCheck, [&] { return stopping_; });
    }
  }

  bool stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  void consume_loop() {
    while (!stopping()) {
      AfterCommit gathered, after;  // follow-ups of the open transaction, of committed ones
      bool committed_any = false;
      auto handler = [&](const proto::Message& m, const proto::Envelope&, ledger::Db& tx) -> Result<void> {
        return core_->apply(m, tx, gathered);
      };
      auto settled = [&](bool committed) {
        committed_any = committed_any || committed;
        if (committed) after.insert(after.end(), std::make_move_iterator(gathered.begin()), std::make_move_iterator(gathered.end()));
        gathered.clear();  // a rolled-back attempt's follow-ups go with it
      };
      auto got = transport::process_batch(*transport_, *consumer_db_, transport::kToRemote, kReceiveSlice, handler,
                                          settled, options_.log);
      if (committed_any) transport_->notify_outbox();  // the status updates they queued
      for (auto& f : after) f();
      if (!got) {
        options_.log("receiving from the proxy failed: " + got.error().message + "; retrying");
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, kRetryPause, [&] { return stopping_; });
        continue;
      }
    }
  }

  Options options_;
  std::unique_ptr<ledger::Db> consumer_db_;  // used by the consumer thread only
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<transport::Transport> transport_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<Executor> executor_;
  std::thread consumer_, pool_;
  std::vector<std::thread> preparers_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                 // guarded by mu_
  std::deque<std::string> to_prepare_;    // guarded by mu_
  std::set<std::string> in_preparation_;  // guarded by mu_: ids a preparer is working on
};

}  // namespace

Result<std::unique_ptr<Remote>> start(const Options& options) {
  auto r = std::make_unique<RemoteImpl>(options);
  if (auto o = r->open(); !o) return std::unexpected(o.error());
  return std::unique_ptr<Remote>(std::move(r));
}

}  // namespace lab::remote
