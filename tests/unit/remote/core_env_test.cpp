// The remote's environment step for executors that run tasks on its own filesystem (Slurm):
// the Core builds the task's environment under [paths] envs_dir from real wheels, says so in
// the task's state and log, and hands the executor the environment's root.
#include "../envs/envs_fixture.hpp"
#include "fixture.hpp"
#include "project.hpp"

#include "lab/remote/core.hpp"

#include <lab/ledger/schema.hpp>
#include <lab/ledger/tasks.hpp>
#include <lab/proto/messages.hpp>
#include <lab/transport/transport.hpp>

using namespace lab;
using namespace lab::remote;
using namespace lab::remote::testing;
namespace fs = std::filesystem;

namespace {

// Records what it is handed, as Slurm would get it.
class RecordingExecutor final : public Executor {
 public:
  Result<void> submit(const ExecTask& t) override {
    tasks.push_back(t);
    return {};
  }
  Result<void> adopt(const ExecTask& t, const std::string&) override { return submit(t); }
  void cancel(const std::string&) override {}
  void stop() override {}
  std::string url() const override { return ""; }
  std::vector<ExecTask> tasks;
};

// A Core over a "slurm" remote.toml whose wheelhouse holds labalpha 1.0.
struct Setup {
  envs_test::Fixture wheels;
  fs::path dir = fresh_dir("core-env");
  config::RemoteConfig config = remote_config(dir);
  std::unique_ptr<storage::Storage> st;
  std::unique_ptr<transport::Transport> tr;
  std::unique_ptr<Core> core;
  RecordingExecutor executor;

  Setup() {
    wheels.wheel("labalpha", "1.0");
    config.executor.type = "slurm";
    config.environments.wheelhouse = wheels.wheelhouse.string();
    storage::StorageOptions local;  // type "local"
    local.root = dir / "storage";
    st = storage::make_storage(local).value();
    auto db = ledger::open_ledger(config.database.path).value();
    REQUIRE(store::migrate(*db));
    transport::Options o;
    o.listen = true;
    o.token = "transport-secret-token";
    o.db_path = config.database.path;
    o.log = [](std::string_view) {};
    tr = transport::make_transport(o).value();
    Core::Deps d;
    d.config = config;
    d.db = std::move(db);
    d.transport = tr.get();
    d.storage = st.get();
    d.log = [](std::string_view) {};
    d.prepare_later = [](const std::string&) {};
    core = std::make_unique<Core>(std::move(d));
    core->set_executor(&executor);
  }
  ~Setup() {
    core.reset();
    tr.reset();
    fs::remove_all(dir);
  }

  // Submits a project whose requirements.txt is `requirements`, then prepares it.
  void run(const std::string& id, const std::string& requirements) {
    put_text(dir / id / "requirements.txt", requirements);
    put_text(dir / id / "train.py", "import labalpha\n");
    proto::SubmitTask m;
    m.task_id = id;
    m.user_id = "ada";
    m.name = "train";
    m.memory = "1G";
    m.time_limit = "0:10:00";
    m.command = "python train.py";
    m.storage_keys.project = upload_project(*st, dir / id);
    m.spec = {{"name", "train"}, {"run", {{"command", "python train.py"}}}};
    auto db = ledger::Db::open(config.database.path).value();
    AfterCommit after;
    REQUIRE(db->transaction([&](ledger::Db& tx) { return core->apply(proto::Message(m), tx, after); }));
    core->prepare(id);
  }

  // Every status reason and the whole log text the remote queued for the proxy about `id`,
  // once the log holds `want` (or 5 s passed).
  std::pair<std::string, std::string> told(const std::string& id, const std::string& want) {
    std::string reasons, log;
    eventually([&] {
      reasons.clear();
      log.clear();
      auto pending = tr->list_pending(transport::kToLocal);
      REQUIRE(pending);
      for (const auto& e : *pending) {
        auto msg = proto::decode(e);
        if (!msg) continue;
        if (auto* u = std::get_if<proto::StatusUpdate>(&*msg); u && u->task_id == id)
          reasons += u->reason.value_or("") + "\n";
        if (auto* c = std::get_if<proto::LogChunk>(&*msg); c && c->task_id == id) log += c->data;
      }
      return log.find(want) != std::string::npos;
    });
    return {reasons, log};
  }
};

}  // namespace

TEST_CASE("remote (slurm): the environment is built under envs_dir before the task is handed over") {
  Setup s;
  s.run("t-261201-0001", "labalpha==1.0\n");
  REQUIRE(s.executor.tasks.size() == 1);
  const fs::path root = s.executor.tasks[0].python_env;
  REQUIRE(!root.empty());
  CHECK(root.string().rfind(fs::absolute(s.config.paths.envs_dir).string(), 0) == 0);
  CHECK(envs_test::run_in(root, "import labalpha; print(labalpha.__version__)") == "1.0");
  auto [reasons, log] = s.told("t-261201-0001", "Successfully installed");
  CHECK(reasons.find("preparing: building environment\n") != std::string::npos);
  CHECK(log.find(" lab env: Successfully installed labalpha-1.0\n") != std::string::npos);

  // A second task with the same pins gets the same environment, without a build.
  s.run("t-261201-0002", "# the same pin\nlabalpha==1.0\n");
  REQUIRE(s.executor.tasks.size() == 2);
  CHECK(s.executor.tasks[1].python_env == root);
  CHECK(s.told("t-261201-0002", "ready").second.find("ready (already built on this machine)") != std::string::npos);
}

TEST_CASE("remote (slurm): a failed build fails the task with pip's words and hands nothing over") {
  Setup s;
  s.run("t-261201-0003", "labalpha==9.9\n");
  CHECK(s.executor.tasks.empty());
  auto db = ledger::open_ledger(s.config.database.path).value();
  auto t = ledger::get_task(*db, "t-261201-0003").value();
  CHECK(t.state == ledger::TaskState::failed);
  auto [reasons, log] = s.told("t-261201-0003", " lab task failed");
  CHECK(log.find("No matching distribution found for labalpha==9.9") != std::string::npos);
  CHECK(log.find(" lab task failed: building the Python environment") != std::string::npos);
}
