#include <lab/auth/password.hpp>
#include <lab/demo/demo.hpp>
#include <lab/proxy/proxy.hpp>
#include <lab/remote/remote.hpp>
#include <lab/sys/process.hpp>
#include <lab/worker/agent.hpp>

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

namespace lab::demo {
namespace {

namespace fs = std::filesystem;

// The remote side: mailbox and worker API on loopback ports picked by the system; the
// executor and storage as the options say.
config::RemoteConfig remote_config(const Options& o, const std::string& transport_token,
                                   const std::string& workers_token) {
  const fs::path& dir = o.dir;
  config::RemoteConfig c;
  c.transport.listen = true;
  c.transport.host = "127.0.0.1";
  c.transport.port = 0;
  c.transport.token = transport_token;
  c.storage.type = "local";
  c.storage.root = (dir / "storage").string();
  c.database.path = (dir / "remote" / "ledger.db").string();
  c.paths.envs_dir = (dir / "remote" / "envs").string();
  c.paths.tasks_dir = (dir / "remote" / "tasks").string();
  c.paths.cache_dir = (dir / "remote" / "cache").string();
  c.paths.datasets_dir = (dir / "remote" / "datasets").string();
  c.executor = o.executor;
  if (o.storage) c.storage = *o.storage;
  c.workers.host = "127.0.0.1";
  c.workers.port = 0;
  c.workers.token = workers_token;
  return c;
}

config::ProxyConfig proxy_config(const Options& o, const std::string& transport_url,
                                 const std::string& transport_token) {
  const fs::path& dir = o.dir;
  const int port = o.port;
  config::ProxyConfig c;
  c.server.host = "127.0.0.1";
  c.server.port = port;
  c.auth.open_registration = true;
  c.transport.listen = false;
  c.transport.url = transport_url;
  c.transport.token = transport_token;
  c.storage.type = "local";
  c.storage.root = (dir / "storage").string();
  c.database.path = (dir / "proxy" / "ledger.db").string();
  c.cache.dir = (dir / "proxy" / "cache").string();
  if (o.storage) c.storage = *o.storage;
  return c;
}

// Splits this machine's CPUs between the workers (at least one each).
int cpus_per_worker(int workers) {
  int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, all / std::max(1, workers));
}

class Running final : public Demo {
 public:
  std::unique_ptr<remote::Remote> remote;
  std::vector<std::unique_ptr<worker::Agent>> workers;
  std::unique_ptr<proxy::Proxy> proxy;

  ~Running() override { stop(); }
  std::string proxy_url() const override { return proxy ? proxy->url() : std::string(); }
  void stop() override {
    std::lock_guard lock(mu_);
    if (stopped_) return;  // the roles' stop() may run only once
    stopped_ = true;
    if (proxy) proxy->stop();
    for (auto& w : workers) w->stop();
    if (remote) remote->stop();
  }

 private:
  std::mutex mu_;
  bool stopped_ = false;  // guarded by mu_
};

Result<std::string> random_secret() { return auth::new_token(); }

}  // namespace

Result<std::unique_ptr<Demo>> start(const Options& options) {
  std::error_code ec;
  for (const char* sub : {"storage", "remote", "proxy", "workers"}) fs::create_directories(options.dir / sub, ec);
  if (ec) return fail(Errc::io, "cannot create the demo folder " + options.dir.string() + ": " + ec.message());
  auto transport_token = random_secret();
  auto workers_token = random_secret();
  if (!transport_token || !workers_token) return fail(Errc::io, "cannot make random tokens for the demo");

  auto demo = std::make_unique<Running>();
  remote::Options ro;
  ro.config = remote_config(options, *transport_token, *workers_token);
  ro.log = options.log;
  auto remote = remote::start(ro);
  if (!remote) return fail(remote.error().code, "cannot start the remote: " + remote.error().message);
  demo->remote = std::move(*remote);

  // With Slurm the cluster runs the tasks: no workers.
  const int workers = options.executor.type == "workers" ? options.workers : 0;
  for (int i = 1; i <= workers; ++i) {
    config::WorkerConfig w;
    w.remote = demo->remote->workers_url();
    w.token = *workers_token;
    w.cpus = cpus_per_worker(workers);
    w.slots = 1;
    w.work_dir = (options.dir / "workers" / ("w" + std::to_string(i))).string();
    // One machine: the workers use the remote's dataset cache, so a dataset is on disk once.
    w.datasets_dir = (options.dir / "remote" / "datasets").string();
    worker::Options wo;
    wo.config = w;
    wo.name = "demo-worker-" + std::to_string(i);
    wo.log = options.log;
    wo.tuning.task_guard = sys::kSelfExe;  // tasks die with the demo, however it ends
    auto agent = worker::start(wo);
    if (!agent) return fail(agent.error().code, "cannot start worker " + std::to_string(i) + ": " + agent.error().message);
    demo->workers.push_back(std::move(*agent));
  }

  proxy::Options po;
  po.config = proxy_config(options, demo->remote->transport_url(), *transport_token);
  po.log = options.log;
  auto proxy = proxy::start(po);
  if (!proxy) {
    std::string hint = options.port != 0 ? " (is another program using port " + std::to_string(options.port) +
                                               "? choose another with --port)"
                                         : "";
    return fail(proxy.error().code, "cannot start the proxy: " + proxy.error().message + hint);
  }
  demo->proxy = std::move(*proxy);
  return std::unique_ptr<Demo>(std::move(demo));
}

}  // namespace lab::demo
