// The remote's dataset step in the Core: a task naming datasets gets them whole in the
// dataset cache before it is handed over (linked into its folder for Slurm, listed for
// workers); a submission whose datasets do not add up fails with a plain reason.
#include "fixture.hpp"
#include "project.hpp"

#include "lab/remote/core.hpp"

#include <lab/ledger/schema.hpp>
#include <lab/ledger/tasks.hpp>
#include <lab/proto/messages.hpp>
#include <lab/transport/transport.hpp>

#include <sys/stat.h>

using namespace lab;
using namespace lab::remote;
using namespace lab::remote::testing;
namespace fs = std::filesystem;

namespace {

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

struct Setup {
  fs::path dir;
  config::RemoteConfig config;
  std::unique_ptr<storage::Storage> st;
  std::unique_ptr<transport::Transport> tr;
  std::unique_ptr<Core> core;
  RecordingExecutor executor;
  std::string hash;  // the dataset "cifar" in storage

  explicit Setup(const std::string& type) : dir(fresh_dir("core-data-" + type)), config(remote_config(dir)) {
    config.executor.type = type;
    storage::StorageOptions local;
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
    // The dataset, stored as `lab data sync` leaves it.
    put_text(dir / "cifar" / "labels.txt", "cat\ndog\n");
    hash = upload_dataset(*st, dir / "cifar");
  }
  ~Setup() {
    core.reset();
    tr.reset();
    (void)datasets::remove_tree(dir);
  }

  void submit(const std::string& id, std::vector<std::string> names, std::vector<std::string> keys) {
    put_text(dir / id / "train.py", "print(1)\n");
    proto::SubmitTask m;
    m.task_id = id;
    m.user_id = "ada";
    m.name = "train";
    m.memory = "1G";
    m.time_limit = "0:10:00";
    m.command = "python train.py";
    m.storage_keys.project = upload_project(*st, dir / id);
    m.storage_keys.data = std::move(keys);
    m.spec = {{"name", "train"}, {"run", {{"command", "python train.py"}}}, {"files", {{"datasets", names}}}};
    auto db = ledger::Db::open(config.database.path).value();
    AfterCommit after;
    REQUIRE(db->transaction([&](ledger::Db& tx) { return core->apply(proto::Message(m), tx, after); }));
    core->prepare(id);
  }

  ledger::Task task(const std::string& id) {
    auto db = ledger::Db::open(config.database.path).value();
    return ledger::get_task(*db, id).value();
  }
};

ino_t inode(const fs::path& p) {
  struct stat s {};
  REQUIRE(::stat(p.c_str(), &s) == 0);
  return s.st_ino;
}

}  // namespace

TEST_CASE("remote (slurm): two tasks using one dataset find it linked at datasets/<name>, stored once") {
  Setup s("slurm");
  const std::string key = "datasets/" + s.hash + "/";
  s.submit("t-261201-0101", {"cifar"}, {key});
  s.submit("t-261201-0102", {"cifar"}, {key});
  REQUIRE(s.executor.tasks.size() == 2);
  const fs::path copy = fs::absolute(fs::path(s.config.paths.cache_dir) / "datasets" / s.hash);
  for (const auto& t : s.executor.tasks) {
    CHECK(t.datasets == std::vector<datasets::Use>{{"cifar", s.hash}});
    CHECK(fs::read_symlink(t.folder / "datasets" / "cifar") == copy);
  }
  CHECK(inode(s.executor.tasks[0].folder / "datasets" / "cifar" / "labels.txt") ==
        inode(s.executor.tasks[1].folder / "datasets" / "cifar" / "labels.txt"));
}

TEST_CASE("remote (workers): the dataset is made whole for workers to fetch, not linked into the bundle") {
  Setup s("workers");
  s.submit("t-261201-0103", {"cifar"}, {"datasets/" + s.hash + "/"});
  REQUIRE(s.executor.tasks.size() == 1);
  const ExecTask& t = s.executor.tasks[0];
  CHECK(t.datasets == std::vector<datasets::Use>{{"cifar", s.hash}});
  CHECK(fs::exists(t.datasets_dir / s.hash / "labels.txt"));
  CHECK_FALSE(fs::exists(fs::symlink_status(t.folder / "datasets")));
}

TEST_CASE("remote: datasets that do not add up, or are missing from storage, fail the task in plain words") {
  Setup s("slurm");
  s.submit("t-261201-0104", {"cifar", "mnist"}, {"datasets/" + s.hash + "/"});
  auto t = s.task("t-261201-0104");
  CHECK(t.state == ledger::TaskState::failed);
  CHECK(t.state_reason.find("names 2 dataset(s) but the proxy sent 1") != std::string::npos);

  s.submit("t-261201-0105", {"mnist"}, {"datasets/0123456789abcdef0123456789abcdef/"});
  t = s.task("t-261201-0105");
  CHECK(t.state == ledger::TaskState::failed);
  CHECK(t.state_reason.find("the file list of dataset 'mnist'") != std::string::npos);
  CHECK(t.state_reason.find("upload it again with `lab data sync`") != std::string::npos);
  CHECK(s.executor.tasks.empty());
}

TEST_CASE("remote: the folder of an ended task goes at the second sweep; active and unknown ones stay") {
  Setup s("slurm");
  s.submit("t-261201-0111", {}, {});
  s.submit("t-261201-0112", {}, {});
  REQUIRE(s.executor.tasks.size() == 2);
  const fs::path ended = s.executor.tasks[0].folder, active = s.executor.tasks[1].folder;
  const fs::path stranger = fs::path(s.config.paths.tasks_dir) / "not-a-task";
  fs::create_directories(stranger);
  fs::create_directories(ended / "outputs" / "locked");
  fs::permissions(ended / "outputs", fs::perms::owner_read | fs::perms::owner_exec);  // as a job may leave it
  ExecOutcome done;
  done.status = ExecOutcome::Status::completed;
  done.exit_code = 0;
  s.core->queued("t-261201-0111", 1, "queued: next in line");  // what an executor says first
  s.core->finished("t-261201-0111", 1, done);
  REQUIRE(s.task("t-261201-0111").state == ledger::TaskState::completed);

  s.core->sweep_folders();  // first sight of the end: the executor may still be finishing up
  CHECK(fs::exists(ended / "train.py"));
  s.core->sweep_folders();
  CHECK_FALSE(fs::exists(ended));
  CHECK(fs::exists(active / "train.py"));
  CHECK(fs::exists(stranger));
  s.core->sweep_folders();
  CHECK(fs::exists(active / "train.py"));
}
