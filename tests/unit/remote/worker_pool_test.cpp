// The worker pool executor against a fake worker speaking real HTTP.
#include "fixture.hpp"

#include <lab/archive/archive.hpp>
#include <lab/storage/storage.hpp>
#include <lab/sys/clock.hpp>

#include <fstream>

using namespace lab;
using namespace lab::remote;
using namespace lab::remote::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& p, const std::string& text, fs::perms mode = fs::perms(0644)) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  fs::permissions(p, mode);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A pool with a fake clock, local storage and one task folder ready.
struct Pool {
  explicit Pool(const std::string& name, int max_requeues = 1) : dir(fresh_dir(name)) {
    config = remote_config(dir);
    config.workers.max_requeues = max_requeues;
    lab::storage::StorageOptions local;  // type "local"
    local.root = dir / "storage";
    storage = lab::storage::make_storage(local).value();
    ExecutorContext ctx;
    ctx.config = config;
    ctx.sink = &sink;
    ctx.storage = storage.get();
    ctx.clock = &clock;
    ctx.db_path = dir / "remote.db";
    ctx.log = [](std::string_view) {};
    auto ex = make_executor(ctx);
    REQUIRE_MESSAGE(ex, (ex ? std::string() : ex.error().message));
    executor = std::move(*ex);
  }
  ~Pool() { executor->stop(); }

  ExecTask task(const std::string& id, int gpus = 0) {
    ExecTask t;
    t.task_id = id;
    t.user = "ada";
    t.gpus = gpus;
    t.cpus = 2;
    t.memory_bytes = 1ull << 30;
    t.time_limit_s = 600;
    t.command = "cd 'src' && python3 'train.py'";
    t.env = {{"SEED", "7"}};
    t.download = {"outputs/"};
    t.folder = dir / "tasks" / id;
    write_file(t.folder / "src" / "train.py", "print('hi')\n");
    write_file(t.folder / "run.sh", "#!/bin/sh\n", fs::perms(0755));
    return t;
  }

  fs::path dir;
  config::RemoteConfig config;
  sys::FakeClock clock;
  RecordingSink sink;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<Executor> executor;
};

// tar.zst of a folder holding outputs/metrics.json.
std::string results_archive(const fs::path& dir, const std::string& metrics) {
  const fs::path src = dir / "results-src";
  fs::remove_all(src);
  write_file(src / "outputs" / "metrics.json", metrics);
  const fs::path out = dir / "results.tar.zst";
  REQUIRE(archive::pack_folder(src, out));
  return read_file(out);
}

}  // namespace

TEST_CASE("worker pool: a task goes from queued through lease, bundle, logs and results to finished") {
  Pool p("flow");
  const std::string id = "t-261130-0001";
  REQUIRE(p.executor->submit(p.task(id)));
  REQUIRE(p.sink.has("queued " + id + " 1 queued: no workers are connected"));

  FakeWorker w(p.executor->url(), "gpu-box-1");
  w.register_worker();
  auto a = w.lease(2000);
  REQUIRE(a.is_object());
  CHECK(a["task_id"] == id);
  CHECK(a["attempt"] == 1);
  CHECK(a["command"] == "cd 'src' && python3 'train.py'");
  CHECK(a["env"]["SEED"] == "7");
  CHECK(a["cpus"] == 2);
  CHECK(a["time_limit_s"] == 600);
  CHECK(a["download"] == nlohmann::json::array({"outputs/"}));

  // The bundle is the task folder as tar.zst, modes kept.
  auto [bstatus, bytes] = w.bundle(id, 1);
  REQUIRE(bstatus == 200);
  write_file(p.dir / "bundle.tar.zst", bytes);
  REQUIRE(archive::unpack(p.dir / "bundle.tar.zst", p.dir / "unpacked"));
  CHECK(read_file(p.dir / "unpacked" / "src" / "train.py") == "print('hi')\n");
  CHECK((fs::status(p.dir / "unpacked" / "run.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);

  CHECK(w.post("tasks/" + id + "/started", {{"attempt", 1}, {"at_ms", 5}, {"limits", "rlimit"}}).first == 200);
  CHECK(p.sink.has("started " + id + " 1 " + w.id));

  // Logs: a resent batch is dropped, an overlapping one keeps only its new tail, a gap is refused.
  auto l1 = w.post("tasks/" + id + "/logs", {{"attempt", 1}, {"offset", 0}, {"data", "one\n"}});
  CHECK(l1.first == 200);
  CHECK(l1.second["received"] == 4);
  CHECK(w.post("tasks/" + id + "/logs", {{"attempt", 1}, {"offset", 0}, {"data", "one\n"}}).first == 200);
  CHECK(w.post("tasks/" + id + "/logs", {{"attempt", 1}, {"offset", 0}, {"data", "one\ntwo\n"}}).second["received"] == 8);
  CHECK(w.post("tasks/" + id + "/logs", {{"attempt", 1}, {"offset", 20}, {"data", "x"}}).first == 400);

  CHECK(w.put_results(id, 1, results_archive(p.dir, "{\"loss\": 0.1}")) == 200);
  const std::string key = "results/" + id + "/files/outputs/metrics.json";
  CHECK(p.storage->exists(key).value());

  CHECK(w.post("tasks/" + id + "/finished", {{"attempt", 1}, {"exit_code", 0}, {"cpu_seconds", 3.5}, {"wall_seconds", 2.0}}).first == 200);
  auto lines = p.sink.lines();
  std::vector<std::string> logs;
  for (const auto& l : lines)
    if (l.rfind("log ", 0) == 0) logs.push_back(l);
  CHECK(logs == std::vector<std::string>{"log " + id + " 1 one\n", "log " + id + " 1 two\n"});
  CHECK(lines.back() == "finished " + id + " 1 completed  " + key);
  REQUIRE(p.sink.outcomes.size() == 1);
  CHECK(p.sink.outcomes[0].cpu_seconds == doctest::Approx(3.5));
  CHECK(p.sink.outcomes[0].wall_seconds == doctest::Approx(2.0));

  // The attempt is over: every further call for it is stale.
  CHECK(w.post("tasks/" + id + "/logs", {{"attempt", 1}, {"offset", 8}, {"data", "late\n"}}).first == 409);
  CHECK(w.bundle(id, 1).first == 409);
}

TEST_CASE("worker pool: an assignment lists its datasets; the worker gets each one the attempt uses as tar.zst") {
  Pool p("datasets");
  const std::string id = "t-261130-0009", hash = "0123456789abcdef0123456789abcdef";
  const std::string other = "fedcba9876543210fedcba9876543210";
  ExecTask t = p.task(id);
  t.datasets = {{"cifar", hash}};
  t.datasets_dir = p.dir / "datasets";
  write_file(p.dir / "datasets" / hash / "labels.txt", "cat\n", fs::perms(0444));
  REQUIRE(p.executor->submit(t));
  FakeWorker w(p.executor->url(), "box");
  w.register_worker();
  auto a = w.lease(2000);
  REQUIRE(a.is_object());
  CHECK(a["datasets"] == nlohmann::json::parse(R"([{"name": "cifar", "hash": ")" + hash + "\"}]"));

  auto [status, bytes] = w.dataset(id, 1, hash);
  REQUIRE(status == 200);
  write_file(p.dir / "dataset.tar.zst", bytes);
  REQUIRE(archive::unpack(p.dir / "dataset.tar.zst", p.dir / "got"));
  CHECK(read_file(p.dir / "got" / "labels.txt") == "cat\n");
  CHECK(w.dataset(id, 1, other).first == 400);  // not one of the task's datasets
  CHECK(w.dataset(id, 2, hash).first == 409);   // not the current attempt
  fs::remove_all(p.dir / "datasets" / hash);
  CHECK(w.dataset(id, 1, hash).first == 410);   // the remote's copy was removed by hand
}

TEST_CASE("worker pool: a waiting lease wakes within milliseconds of a task being queued") {
  Pool p("wake");
  FakeWorker w(p.executor->url(), "w1");
  w.register_worker();
  std::atomic<std::int64_t> answered_at{0};
  nlohmann::json got;
  std::thread t([&] {
    got = w.lease(10000);
    answered_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch()).count();
  });
  std::this_thread::sleep_for(300ms);
  const auto submitted_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now().time_since_epoch()).count();
  REQUIRE(p.executor->submit(p.task("t-261130-0002")));
  t.join();
  REQUIRE(got.is_object());
  CHECK(got["task_id"] == "t-261130-0002");
  CHECK(answered_at - submitted_at < 500);
}

TEST_CASE("worker pool: tokens, unknown workers and placement by GPUs") {
  Pool p("auth");
  FakeWorker bad(p.executor->url(), "w1", "wrong-token");
  CHECK(bad.post("register", {{"name", "w1"}}).first == 401);
  FakeWorker w(p.executor->url(), "w1");
  w.id = "w-nobody";
  auto [status, body] = w.heartbeat();
  CHECK(status == 404);
  CHECK(body["error"]["code"] == "unknown_worker");
  CHECK(w.post("lease", {{"worker_id", "w-nobody"}, {"wait_ms", 0}}).first == 404);

  // A 2-GPU task only goes to a worker offering 2 GPUs, and gets its indices.
  w.register_worker(1, {0, 1, 2});
  REQUIRE(p.executor->submit(p.task("t-261130-0003", 2)));
  CHECK(w.lease(0, 1, {2}).is_null());
  auto a = w.lease(0, 1, {1, 2});
  REQUIRE(a.is_object());
  CHECK(a["gpus"] == nlohmann::json::array({1, 2}));
}

TEST_CASE("worker pool: a silent worker loses its task, which is requeued, then failed after max_requeues") {
  Pool p("watchdog", /*max_requeues=*/1);
  const std::string id = "t-261130-0004";
  REQUIRE(p.executor->submit(p.task(id)));
  FakeWorker a(p.executor->url(), "a");
  a.register_worker();
  REQUIRE(a.lease(0).is_object());
  CHECK(a.post("tasks/" + id + "/started", {{"attempt", 1}}).first == 200);

  p.clock.advance_ms(6000);  // past lease_timeout_s = 5
  REQUIRE(eventually([&] { return p.sink.has("requeued " + id + " 2 lost=1"); }));
  auto note = p.sink.lines();
  CHECK(std::any_of(note.begin(), note.end(), [&](const std::string& l) {
    return l.find("worker a stopped answering") != std::string::npos && l.find("attempt 2") != std::string::npos;
  }));
  // The lost worker is forgotten and its attempt is stale.
  CHECK(a.heartbeat().first == 404);
  CHECK(a.post("tasks/" + id + "/logs", {{"attempt", 1}, {"offset", 0}, {"data", "x"}}).first == 409);
  CHECK(a.post("tasks/" + id + "/finished", {{"attempt", 1}, {"exit_code", 0}}).first == 409);

  // A second worker takes attempt 2 and goes silent too: max_requeues = 1 is used up.
  FakeWorker b(p.executor->url(), "b");
  b.register_worker();
  auto got = b.lease(0);
  REQUIRE(got.is_object());
  CHECK(got["attempt"] == 2);
  p.clock.advance_ms(6000);
  REQUIRE(eventually([&] { return p.sink.has("finished " + id + " 2 failed lost its worker 2 times"); }));
}

TEST_CASE("worker pool: a lease in progress and heartbeats keep a worker alive") {
  Pool p("alive");
  FakeWorker w(p.executor->url(), "w");
  w.register_worker();
  REQUIRE(p.executor->submit(p.task("t-261130-0005")));
  REQUIRE(w.lease(0).is_object());
  for (int i = 0; i < 4; ++i) {
    p.clock.advance_ms(3000);
    CHECK(w.heartbeat(nlohmann::json::array({{{"task_id", "t-261130-0005"}, {"attempt", 1}}})).first == 200);
    std::this_thread::sleep_for(150ms);
  }
  CHECK_FALSE(p.sink.has("requeued"));
}

TEST_CASE("worker pool: cancel goes out in the heartbeat for running tasks, at once for queued ones") {
  Pool p("cancel");
  const std::string run = "t-261130-0006", wait = "t-261130-0007";
  REQUIRE(p.executor->submit(p.task(run)));
  FakeWorker w(p.executor->url(), "w");
  w.register_worker();
  REQUIRE(w.lease(0).is_object());
  CHECK(w.post("tasks/" + run + "/started", {{"attempt", 1}}).first == 200);
  REQUIRE(p.executor->submit(p.task(wait)));

  p.executor->cancel(wait);
  CHECK(p.sink.has("finished " + wait + " 1 cancelled"));

  p.executor->cancel(run);
  auto [status, body] = w.heartbeat(nlohmann::json::array({{{"task_id", run}, {"attempt", 1}}}));
  CHECK(status == 200);
  CHECK(body["cancel"] == nlohmann::json::array({{{"task_id", run}, {"attempt", 1}}}));
  CHECK(w.put_results(run, 1, results_archive(p.dir, "{}")) == 200);
  CHECK(w.post("tasks/" + run + "/finished", {{"attempt", 1}, {"exit_code", 143}, {"signal", 15}}).first == 200);
  CHECK(p.sink.has("finished " + run + " 1 cancelled"));
  // A task the worker still reports but the remote no longer runs is on the cancel list too.
  CHECK(w.heartbeat(nlohmann::json::array({{{"task_id", run}, {"attempt", 1}}})).second["cancel"].size() == 1);
}

TEST_CASE("worker pool: deregistering or registering again requeues the worker's tasks at once") {
  Pool p("dereg", /*max_requeues=*/3);
  const std::string id = "t-261130-0008";
  REQUIRE(p.executor->submit(p.task(id)));
  FakeWorker w(p.executor->url(), "w");
  const std::string first = w.register_worker();
  REQUIRE(w.lease(0).is_object());
  w.register_worker();  // same name: the old registration is replaced
  CHECK(w.id != first);
  CHECK(p.sink.has("requeued " + id + " 2 lost=1"));
  auto a = w.lease(0);
  REQUIRE(a.is_object());
  CHECK(a["attempt"] == 2);
  CHECK(w.post("deregister", {{"worker_id", w.id}}).first == 200);
  CHECK(p.sink.has("requeued " + id + " 3 lost=2"));
}

TEST_CASE("executor table: slurm is built (no server of its own), unknown types get a suggestion") {
  auto dir = fresh_dir("table");
  RecordingSink sink;
  ExecutorContext ctx;
  ctx.config = remote_config(dir);
  ctx.sink = &sink;
  ctx.db_path = dir / "remote.db";
  ctx.config.executor.type = "slurm";
  auto s = make_executor(ctx);
  REQUIRE_MESSAGE(s, (s ? std::string() : s.error().message));
  CHECK((*s)->url().empty());
  (*s)->stop();
  ctx.config.executor.type = "worker";
  auto u = make_executor(ctx);
  REQUIRE_FALSE(u);
  CHECK(u.error().code == Errc::invalid_argument);
  CHECK(u.error().message.find("did you mean 'workers'") != std::string::npos);
}
