// The whole remote role: a proxy-side transport sends submit_task / cancel_task, a fake
// worker runs the task over HTTP, and the messages coming back are checked in order.
#include "fixture.hpp"
#include "project.hpp"

#include <lab/archive/archive.hpp>
#include <lab/ledger/accounting.hpp>
#include <lab/ledger/schema.hpp>
#include <lab/ledger/tasks.hpp>
#include <lab/proto/messages.hpp>
#include <lab/remote/remote.hpp>
#include <lab/sys/clock.hpp>
#include <lab/transport/transport.hpp>
#include <lab/ledger/users.hpp>

#include "lab/remote/store.hpp"

using namespace lab;
using namespace lab::remote;
using namespace lab::remote::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// A remote, the proxy's end of the transport, and a project in storage.
struct Cluster {
  // `before_start` runs on the remote's ledger file before the remote first starts.
  explicit Cluster(const std::string& name, const std::function<void(Cluster&)>& before_start = nullptr)
      : dir(fresh_dir(name)) {
    config = remote_config(dir);
    lab::storage::StorageOptions local;  // type "local"
    local.root = dir / "storage";
    st = lab::storage::make_storage(local).value();
    put_text(dir / "project" / "src" / "train.py", "print('hi')\n");
    manifest = upload_project(*st, dir / "project");
    if (before_start) before_start(*this);
    start_remote();
    transport::Options o;
    o.url = remote->transport_url();
    o.token = config.transport.token;
    o.db_path = dir / "proxy.db";
    o.log = [](std::string_view) {};
    proxy = transport::make_transport(o).value();
  }
  ~Cluster() {
    if (remote) remote->stop();
  }

  void start_remote() {
    Options o;
    o.config = config;
    o.clock = &clock;
    o.log = [](std::string_view) {};
    auto r = remote::start(o);
    REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message));
    remote = std::move(*r);
    // Later restarts come back on the same ports, as a real remote would.
    config.transport.port = port_of(remote->transport_url());
    config.workers.port = port_of(remote->workers_url());
  }

  void restart() {
    remote->stop();
    remote.reset();
    start_remote();
  }

  void submit(const std::string& id, int gpus = 0) {
    proto::SubmitTask m;
    m.task_id = id;
    m.user_id = "ada";
    m.name = "train";
    m.gpus = gpus;
    m.cpus = 2;
    m.memory = "8192M";
    m.time_limit = "1:00:00";
    m.command = "cd 'src' && python3 'train.py'";
    m.storage_keys.project = manifest;
    m.spec = {{"priority", "default"}, {"run", {{"env", {{"SEED", "7"}}}}}, {"files", {{"download", {"outputs/"}}}}};
    REQUIRE(proxy->send(transport::kToRemote, proto::encode(m, 1)));
  }

  void cancel(const std::string& id) {
    REQUIRE(proxy->send(transport::kToRemote, proto::encode(proto::CancelTask{id, "ada"}, 1)));
  }

  std::vector<proto::PoolSnapshot> pools;  // pool_snapshot messages, in arrival order

  // Receives to_local messages until one satisfies `done` (or 10 s pass); returns all so far
  // (pool snapshots go to `pools` instead).
  template <class Done>
  std::vector<proto::Message> until(Done done) {
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < end) {
      if (!received.empty() && done(received.back())) return received;
      auto got = proxy->receive(transport::kToLocal, 200ms);
      REQUIRE(got);
      if (!*got) continue;
      REQUIRE(proxy->ack(transport::kToLocal, (*got)->id));
      auto message = proto::decode(**got).value();
      // The compute pool's snapshots are a feed of their own, beside the tasks' messages.
      if (auto* p = std::get_if<proto::PoolSnapshot>(&message)) pools.push_back(*p);
      else received.push_back(std::move(message));
    }
    FAIL("the expected message did not arrive");
    return received;
  }

  std::vector<proto::Message> until_status(const std::string& id, proto::TaskStatus s) {
    return until([&](const proto::Message& m) {
      auto* u = std::get_if<proto::StatusUpdate>(&m);
      return u && u->task_id == id && u->status == s;
    });
  }

  std::vector<proto::Message> until_completed(const std::string& id) {
    return until([&](const proto::Message& m) {
      auto* c = std::get_if<proto::TaskCompleted>(&m);
      return c && c->task_id == id;
    });
  }

  // The task's log as the proxy would rebuild it; checks that offsets leave no gap or overlap.
  std::string log_of(const std::string& id) {
    std::string log;
    for (const auto& m : received)
      if (auto* c = std::get_if<proto::LogChunk>(&m); c && c->task_id == id) {
        CHECK(c->offset == static_cast<std::int64_t>(log.size()));
        log += c->data;
      }
    return log;
  }

  std::string results_archive() {
    put_text(dir / "out" / "outputs" / "metrics.json", "{\"loss\": 0.5}");
    REQUIRE(archive::pack_folder(dir / "out", dir / "results.tar.zst"));
    std::ifstream in(dir / "results.tar.zst", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir;
  config::RemoteConfig config;
  sys::FakeClock clock;
  std::unique_ptr<storage::Storage> st;
  std::string manifest;
  std::unique_ptr<Remote> remote;
  std::unique_ptr<transport::Transport> proxy;
  std::vector<proto::Message> received;
};

const std::string kTask = "t-261130-0001";

}  // namespace

TEST_CASE("remote: a submitted task is prepared, run by a worker, and reported with its whole log first") {
  Cluster c("flow");
  c.submit(kTask, /*gpus=*/0);
  auto queued = std::get<proto::StatusUpdate>(c.until_status(kTask, proto::TaskStatus::queued).back());
  CHECK(queued.reason == "queued: no workers are connected; the task starts when one connects");
  CHECK(queued.at_ms == c.clock.now_ms());
  CHECK(fs::exists(fs::path(c.config.paths.tasks_dir) / kTask / "src" / "train.py"));

  FakeWorker w(c.remote->workers_url(), "w1");
  w.register_worker();
  auto a = w.lease(2000);
  REQUIRE(a.is_object());
  CHECK(a["task_id"] == kTask);
  CHECK(a["env"]["SEED"] == "7");
  CHECK(a["memory_bytes"] == 8192ll << 20);
  CHECK(w.post("tasks/" + kTask + "/started", {{"attempt", 1}}).first == 200);
  c.until_status(kTask, proto::TaskStatus::running);
  // The admin page's compute pool: the worker with the task on it, numbers labelled.
  const proto::PoolSlot* slot = nullptr;
  c.until([&](const proto::Message&) {
    for (const auto& p : c.pools)
      for (const auto& s : p.slots)
        if (!s.task_ids.empty() && s.task_ids[0] == kTask) slot = &s;
    return slot != nullptr;
  });
  REQUIRE(slot);
  CHECK(slot->kind == "worker");
  CHECK(slot->cpus_allocated >= 1);
  CHECK(slot->source.find("worker registration") != std::string::npos);
  CHECK(c.pools.back().executor == "workers");
  CHECK(w.post("tasks/" + kTask + "/logs", {{"attempt", 1}, {"offset", 0}, {"data", "x out epoch 1\n"}}).first == 200);
  CHECK(w.post("tasks/" + kTask + "/logs", {{"attempt", 1}, {"offset", 14}, {"data", "x out epoch 2\n"}}).first == 200);
  CHECK(w.put_results(kTask, 1, c.results_archive()) == 200);
  CHECK(w.post("tasks/" + kTask + "/finished", {{"attempt", 1}, {"exit_code", 0}, {"cpu_seconds", 30.0}, {"wall_seconds", 20.0}}).first == 200);

  auto msgs = c.until_completed(kTask);
  // Order: preparing, queued, running, then every log chunk, then task_completed last.
  std::vector<std::string> kinds;
  for (const auto& m : msgs) {
    if (auto* u = std::get_if<proto::StatusUpdate>(&m)) kinds.push_back(std::string(proto::to_string(u->status)));
    else kinds.push_back(std::string(proto::type_of(m)));
  }
  REQUIRE(kinds.size() >= 6);
  CHECK(std::vector<std::string>(kinds.begin(), kinds.begin() + 3) ==
        std::vector<std::string>{"preparing", "queued", "running"});
  CHECK(kinds.back() == "task_completed");
  for (std::size_t i = 3; i + 1 < kinds.size(); ++i) CHECK(kinds[i] == "log_chunk");
  const std::string log = c.log_of(kTask);
  CHECK(log.find("x out epoch 1\nx out epoch 2\n") == 0);
  CHECK(log.find(" lab task completed with exit code 0\n") != std::string::npos);

  const auto& done = std::get<proto::TaskCompleted>(msgs.back());
  CHECK(done.status == proto::TaskStatus::completed);
  CHECK(done.exit_code == 0);
  CHECK(done.cpu_seconds == 30);
  CHECK(done.wall_seconds == 20);
  CHECK(done.result_keys == std::vector<std::string>{"results/" + kTask + "/files/outputs/metrics.json"});

  auto db = ledger::open_ledger(c.config.database.path).value();
  auto t = ledger::get_task(*db, kTask).value();
  CHECK(t.state == ledger::TaskState::completed);
  CHECK(t.executor == "worker");
  auto usage = ledger::task_usage(*db, kTask).value();
  REQUIRE(usage);
  CHECK(usage->wall_seconds == doctest::Approx(20.0));
  CHECK(usage->cpu_seconds == doctest::Approx(30.0));
}

TEST_CASE("remote: an assignment carries the task's [environment] and remote.toml's [environments]") {
  Cluster c("envs-wire", [](Cluster& cl) {
    cl.config.environments.wheelhouse = "/shared/wheels";
    cl.config.environments.build_timeout_s = 900;
  });
  proto::SubmitTask m;
  m.task_id = kTask;
  m.user_id = "ada";
  m.name = "train";
  m.cpus = 1;
  m.memory = "1G";
  m.time_limit = "0:10:00";
  m.command = "python train.py";
  m.storage_keys.project = c.manifest;
  m.spec = {{"name", "train"},
            {"environment", {{"python", "3.11"}, {"requirements", "reqs/base.txt"}, {"extra_wheels", json::array()}}},
            {"run", {{"command", "python train.py"}}}};
  REQUIRE(c.proxy->send(transport::kToRemote, proto::encode(m, 1)));
  c.until_status(kTask, proto::TaskStatus::queued);
  FakeWorker w(c.remote->workers_url(), "w1");
  w.register_worker();
  auto a = w.lease(2000);
  REQUIRE(a.is_object());
  CHECK(a["environment"]["python"] == "3.11");
  CHECK(a["environment"]["requirements"] == "reqs/base.txt");
  CHECK(a["environments"]["wheelhouse"] == "/shared/wheels");
  CHECK(a["environments"]["build_timeout_s"] == 900);
  CHECK(a["environments"]["python"] == "python3");
}

TEST_CASE("remote: a project file missing from storage fails the task with a reason") {
  Cluster c("missing");
  fs::remove_all(c.dir / "storage" / "projects" / "blobs");
  c.submit(kTask);
  auto msgs = c.until_completed(kTask);
  const auto& done = std::get<proto::TaskCompleted>(msgs.back());
  CHECK(done.status == proto::TaskStatus::failed);
  REQUIRE(done.reason);
  CHECK(done.reason->find("'src/train.py'") != std::string::npos);
  CHECK(c.log_of(kTask).find(" lab task failed: the project file 'src/train.py'") != std::string::npos);
}

TEST_CASE("remote: cancel reaches a queued task at once and a running one through the heartbeat") {
  Cluster c("cancel");
  const std::string second = "t-261130-0002";
  c.submit(kTask);
  c.submit(second);
  c.until_status(second, proto::TaskStatus::queued);
  c.cancel(second);
  auto msgs = c.until_completed(second);
  CHECK(std::get<proto::TaskCompleted>(msgs.back()).status == proto::TaskStatus::cancelled);
  CHECK(c.log_of(second).find(" lab task cancelled: cancelled before it started\n") != std::string::npos);

  FakeWorker w(c.remote->workers_url(), "w1");
  w.register_worker();
  REQUIRE(w.lease(2000).is_object());
  CHECK(w.post("tasks/" + kTask + "/started", {{"attempt", 1}}).first == 200);
  c.until_status(kTask, proto::TaskStatus::running);
  c.cancel(kTask);
  REQUIRE(eventually([&] { return w.heartbeat().second["cancel"].size() == 1; }));
  CHECK(w.put_results(kTask, 1, c.results_archive()) == 200);
  CHECK(w.post("tasks/" + kTask + "/finished", {{"attempt", 1}, {"exit_code", 143}, {"signal", 15}, {"wall_seconds", 1.0}}).first == 200);
  msgs = c.until_completed(kTask);
  CHECK(std::get<proto::TaskCompleted>(msgs.back()).status == proto::TaskStatus::cancelled);
  CHECK(c.log_of(kTask).find(" lab task cancelled") != std::string::npos);
}

TEST_CASE("remote: after a restart a running task keeps its worker and a queued one is queued again") {
  Cluster c("restart");
  const std::string second = "t-261130-0002";
  // One after the other: several preparers may finish two tasks in either order.
  c.submit(kTask);
  c.until_status(kTask, proto::TaskStatus::queued);
  c.submit(second);
  c.until_status(second, proto::TaskStatus::queued);
  FakeWorker w(c.remote->workers_url(), "w1");
  w.register_worker(/*slots=*/2);
  REQUIRE(w.lease(2000)["task_id"] == kTask);
  REQUIRE(w.lease(0)["task_id"] == second);  // assigned, never started: lost in the restart
  CHECK(w.post("tasks/" + kTask + "/started", {{"attempt", 1}}).first == 200);
  CHECK(w.post("tasks/" + kTask + "/logs", {{"attempt", 1}, {"offset", 0}, {"data", "before\n"}}).first == 200);
  c.until([&](const proto::Message& m) { return std::holds_alternative<proto::LogChunk>(m); });

  c.restart();

  // The worker's id survived; its running task is still current, the queued one is not.
  auto [hs, hb] = w.heartbeat(nlohmann::json::array({{{"task_id", kTask}, {"attempt", 1}}, {{"task_id", second}, {"attempt", 1}}}));
  CHECK(hs == 200);
  CHECK(hb["cancel"] == nlohmann::json::array({{{"task_id", second}, {"attempt", 1}}}));
  CHECK(w.post("tasks/" + second + "/started", {{"attempt", 1}}).first == 409);
  CHECK(w.post("tasks/" + kTask + "/logs", {{"attempt", 1}, {"offset", 0}, {"data", "before\nafter\n"}}).first == 200);
  CHECK(w.post("tasks/" + kTask + "/finished", {{"attempt", 1}, {"exit_code", 0}, {"wall_seconds", 5.0}}).first == 200);
  c.until_completed(kTask);
  CHECK(c.log_of(kTask).find("before\nafter\n") == 0);

  auto again = w.lease(2000);
  REQUIRE(again.is_object());
  CHECK(again["task_id"] == second);
  CHECK(again["attempt"] == 2);
}

TEST_CASE("remote: a worker silent past its lease loses the task; max_requeues then fails it") {
  Cluster c("lost");
  c.submit(kTask);
  c.until_status(kTask, proto::TaskStatus::queued);
  for (int attempt = 1; attempt <= 2; ++attempt) {
    FakeWorker w(c.remote->workers_url(), "w" + std::to_string(attempt));
    w.register_worker();
    auto a = w.lease(2000);
    REQUIRE(a.is_object());
    CHECK(a["attempt"] == attempt);
    CHECK(w.post("tasks/" + kTask + "/started", {{"attempt", attempt}}).first == 200);
    c.until_status(kTask, proto::TaskStatus::running);
    c.clock.advance_ms(6000);
    if (attempt == 1) c.until_status(kTask, proto::TaskStatus::queued);
  }
  auto msgs = c.until_completed(kTask);
  const auto& done = std::get<proto::TaskCompleted>(msgs.back());
  CHECK(done.status == proto::TaskStatus::failed);
  CHECK(done.reason == "lost its worker 2 times");
  const std::string log = c.log_of(kTask);
  CHECK(log.find(" lab worker w1 stopped answering") != std::string::npos);
  CHECK(log.find("queued again as attempt 2") != std::string::npos);
}

TEST_CASE("remote: a task a crash left preparing is prepared again when the remote starts") {
  Cluster c("recover-preparing", [](Cluster& c) {
    // What a remote killed while preparing leaves behind: the task, its submit body, preparing.
    auto db = ledger::open_ledger(c.config.database.path).value();
    REQUIRE(remote::store::migrate(*db));
    auto ada = ledger::create_user(*db, "ada", "$remote$no-login", false, c.clock.now_ms()).value();
    ledger::NewTask nt;
    nt.id = kTask;
    nt.user_id = ada.id;
    nt.name = "train";
    nt.initial = ledger::TaskState::pending;
    nt.cpus = 1;
    nt.memory_bytes = 1 << 30;
    nt.manifest_key = c.manifest;
    REQUIRE(ledger::create_task(*db, nt, c.clock.now_ms()));
    REQUIRE(ledger::transition(*db, kTask, ledger::TaskState::preparing, "preparing", c.clock.now_ms()));
    proto::SubmitTask m;
    m.task_id = kTask;
    m.user_id = "ada";
    m.name = "train";
    m.memory = "1G";
    m.time_limit = "1:00:00";
    m.command = "true";
    m.storage_keys.project = c.manifest;
    remote::store::TaskRow row;
    row.task_id = kTask;
    row.submit_json = proto::to_json(proto::Message(m)).dump();
    REQUIRE(remote::store::insert_task(*db, row));
  });
  c.until_status(kTask, proto::TaskStatus::queued);
  CHECK(fs::exists(fs::path(c.config.paths.tasks_dir) / kTask / "src" / "train.py"));
  FakeWorker w(c.remote->workers_url(), "w1");
  w.register_worker();
  auto a = w.lease(2000);
  REQUIRE(a.is_object());
  CHECK(a["task_id"] == kTask);
  CHECK(a["attempt"] == 1);
  CHECK(a["command"] == "true");
}
