// The Slurm executor's error paths, with Slurm's commands scripted by slurm::FakeRunner.
// (The same paths against a real Slurm: tests/e2e-slurm/remote_slurm.sh.)
#include "fixture.hpp"

#include "lab/remote/slurm_executor.hpp"

#include <lab/slurm/fake_runner.hpp>
#include <lab/slurm/states.hpp>
#include <lab/storage/storage.hpp>
#include <lab/sys/clock.hpp>

#include <lab/util/strings.hpp>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

using namespace lab;
using namespace lab::remote;
using namespace lab::remote::testing;
using lab::slurm::CommandOutput;
using lab::slurm::FakeRunner;
namespace fs = std::filesystem;

namespace {

const char* kConfig = "JobCompType = jobcomp/filetxt\nAccountingStorageType = accounting_storage/none\n";
const char* kDown = "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n";

// Appends `text` to `p` (created with its folders), as a running job writes its files.
void append(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::app) << text;
}

// An squeue answer in which every job asked about (--jobs=) waits in Slurm's queue.
Result<CommandOutput> all_pending(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv)
      if (a.rfind("--jobs=", 0) == 0)
        for (const auto& id : lab::util::split(a.substr(7), ','))
          out += id + "|PENDING|None|0|0:00|x|\n";
  return CommandOutput{0, out, ""};
}

// A RecordingSink that also records metrics lines ("metrics t 1 <lines>").
class Sink final : public ExecutorSink {
 public:
  void queued(const std::string& id, int a, const std::string& r) override { rec.queued(id, a, r); }
  void requeued(const std::string& id, int a, int l, const std::string& n, const std::string& r) override {
    rec.requeued(id, a, l, n, r);
  }
  void started(const std::string& id, int a, const std::string& w, std::int64_t at) override { rec.started(id, a, w, at); }
  void log(const std::string& id, int a, std::string_view b) override { rec.log(id, a, b); }
  void finished(const std::string& id, int a, const ExecOutcome& o) override { rec.finished(id, a, o); }
  void metrics(const std::string& id, int a, std::string_view lines) override {
    std::lock_guard lock(mu);
    metric_lines.push_back(id + " " + std::to_string(a) + " " + std::string(lines));
  }
  bool has(const std::string& prefix) { return rec.has(prefix); }
  std::vector<std::string> lines() { return rec.lines(); }
  std::vector<std::string> metrics_seen() {
    std::lock_guard lock(mu);
    return metric_lines;
  }
  ExecOutcome last_outcome() {
    std::lock_guard lock(rec.mu);
    REQUIRE_FALSE(rec.outcomes.empty());
    return rec.outcomes.back();
  }

  RecordingSink rec;
  std::mutex mu;
  std::vector<std::string> metric_lines;  // guarded by mu
};

// A Slurm executor on a scripted runner, local storage, a fast poll.
struct Slurm {
  explicit Slurm(const std::string& name) : dir(fresh_dir(name)), runner(std::make_shared<FakeRunner>()) {
    config = remote_config(dir);
    config.executor.type = "slurm";
    config.executor.poll_interval_ms = 50;
    config.executor.partition = "debug";
    storage::StorageOptions local;  // type "local"
    local.root = dir / "storage";
    storage = storage::make_storage(local).value();
    runner->on("scontrol", [this](const std::vector<std::string>& argv) -> Result<CommandOutput> {
      if (argv.at(1) == "show" && argv.at(2) == "config") return CommandOutput{0, kConfig, ""};
      std::lock_guard lock(mu);
      if (!scontrol_job.empty()) return CommandOutput{0, scontrol_job, ""};
      return CommandOutput{1, "", "slurm_load_jobs error: Invalid job id specified\n"};
    });
    runner->reply("sacct", 0, "");
    squeue("");
    start();
  }
  ~Slurm() {
    if (executor) executor->stop();
  }

  void start() {
    ExecutorContext ctx;
    ctx.config = config;
    ctx.sink = &sink;
    ctx.storage = storage.get();
    ctx.db_path = dir / "remote.db";
    ctx.log = [](std::string_view) {};
    auto ex = make_slurm_executor(ctx, runner);
    REQUIRE_MESSAGE(ex, (ex ? std::string() : ex.error().message));
    executor = std::move(*ex);
  }

  // squeue answers `out` from now on (the format of slurm::kSqueueFormat).
  void squeue(std::string out, int code = 0, std::string err = {}) { runner->reply("squeue", code, std::move(out), std::move(err)); }

  ExecTask task(const std::string& id, int gpus = 0) {
    ExecTask t;
    t.task_id = id;
    t.user = "ada";
    t.gpus = gpus;
    t.cpus = 2;
    t.memory_bytes = 1ull << 30;
    t.time_limit_s = 600;
    t.command = "python3 train.py";
    t.download = {"outputs/"};
    t.folder = dir / "tasks" / id;
    fs::create_directories(t.folder);
    return t;
  }

  std::string script(const std::string& id) {
    std::ifstream in(dir / "tasks" / id / ".lab-slurm" / "job.sh");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir;
  std::shared_ptr<FakeRunner> runner;
  config::RemoteConfig config;
  std::unique_ptr<storage::Storage> storage;
  Sink sink;
  std::unique_ptr<Executor> executor;
  std::mutex mu;
  std::string scontrol_job;  // guarded by mu
};

}  // namespace

TEST_CASE("slurm executor: a job runs, its log and metrics come in whole lines, results and exit code come back") {
  Slurm s("slurm-ok");
  s.runner->reply("sbatch", 0, "41\n");
  s.squeue("41|PENDING|Priority|0|0:00|lab-t1-1|\n");
  auto t = s.task("t1");
  t.python_env = s.dir / "envs" / "e1";
  REQUIRE(s.executor->submit(t));
  REQUIRE(eventually([&] { return s.sink.has("queued t1 1 submitted to Slurm as job 41"); }));
  const std::string script = s.script("t1");
  CHECK(script.find("--job-name=lab-t1-1") != std::string::npos);
  CHECK(script.find("--partition=debug") != std::string::npos);
  CHECK(script.find("--gres") == std::string::npos);  // no GPUs asked
  // The job takes sbatch's environment (filtered by the runner: slurm::command_environment).
  CHECK(script.find("#SBATCH --export=ALL\n") != std::string::npos);
  CHECK(script.find("LAB_METRICS='" + (t.folder / ".lab-metrics.jsonl").string() + "'") != std::string::npos);
  CHECK(script.find("VIRTUAL_ENV='" + t.python_env.string() + "'") != std::string::npos);
  CHECK(script.find("PATH='" + (t.python_env / "bin").string() + ":") != std::string::npos);

  REQUIRE(eventually([&] { return s.sink.has("queued t1 1 waiting for priority"); }));
  append(t.folder / ".lab-slurm" / "output.log", "epoch 1\nepo");
  append(t.folder / ".lab-metrics.jsonl", "{\"step\": 1}\n{\"st");
  s.squeue("41|RUNNING|None|0|0:01|lab-t1-1|\n");
  REQUIRE(eventually([&] { return s.sink.has("log t1 1 epoch 1\n"); }));
  CHECK(s.sink.has("started t1 1 41"));
  // Only whole lines: the half-written ones wait.
  for (const auto& l : s.sink.lines()) {
    const bool half_line = l.rfind("log t1 1 epo", 0) == 0 && l != "log t1 1 epoch 1\n";
    CHECK_FALSE(half_line);
  }
  REQUIRE(eventually([&] { return !s.sink.metrics_seen().empty(); }));
  CHECK(s.sink.metrics_seen() == std::vector<std::string>{"t1 1 {\"step\": 1}\n"});

  append(t.folder / ".lab-slurm" / "output.log", "ch 2 done");
  append(t.folder / ".lab-metrics.jsonl", "ep\": 2}\n");
  append(t.folder / "outputs" / "model.txt", "weights");
  append(t.folder / ".lab-slurm" / "exit_code", "0\n");
  {
    std::lock_guard lock(s.mu);
    s.scontrol_job = "JobId=41 JobState=COMPLETED Reason=None ExitCode=0:0 RunTime=00:00:07\n";
  }
  s.squeue("41|COMPLETED|None|0|0:07|lab-t1-1|\n");
  REQUIRE(eventually([&] { return s.sink.has("finished t1 1 completed"); }));
  CHECK(s.sink.has("log t1 1 epoch 2 done"));  // the tail flushed after the end
  CHECK(s.sink.metrics_seen().back() == "t1 1 {\"step\": 2}\n");
  auto o = s.sink.last_outcome();
  CHECK(o.exit_code == 0);
  CHECK(o.wall_seconds == 7);
  // Only the matching files: lab's own (the metrics file, .lab-slurm/) never come back as results.
  CHECK(o.result_keys == std::vector<std::string>{"results/t1/files/outputs/model.txt"});
  CHECK(s.runner->count("sbatch") == 1);
}

TEST_CASE("slurm executor: a task with datasets gets LAB_DATASETS_DIR; its linked datasets never come back as results") {
  Slurm s("slurm-datasets");
  s.runner->reply("sbatch", 0, "43\n");
  s.squeue("43|RUNNING|None|0|0:01|lab-d1-1|\n");
  auto t = s.task("d1");
  const std::string hash = "0123456789abcdef0123456789abcdef";
  t.datasets = {{"cifar", hash}};
  t.datasets_dir = s.dir / "datasets";
  // The folder as the remote prepares it (core_data.cpp): datasets/cifar -> the shared copy.
  append(s.dir / "datasets" / hash / "labels.txt", "cat\n");
  REQUIRE(datasets::link_into(t.folder, t.datasets[0], s.dir / "datasets" / hash));
  t.download = {"outputs/", "datasets/", "**"};
  REQUIRE(s.executor->submit(t));
  REQUIRE(eventually([&] { return s.sink.has("started d1 1 43"); }));
  CHECK(s.script("d1").find("LAB_DATASETS_DIR='" + (t.folder / "datasets").string() + "'") != std::string::npos);

  append(t.folder / "outputs" / "model.txt", "weights");
  append(t.folder / ".lab-slurm" / "exit_code", "0\n");
  {
    std::lock_guard lock(s.mu);
    s.scontrol_job = "JobId=43 JobState=COMPLETED Reason=None ExitCode=0:0 RunTime=00:00:02\n";
  }
  s.squeue("43|COMPLETED|None|0|0:02|lab-d1-1|\n");
  REQUIRE(eventually([&] { return s.sink.has("finished d1 1 completed"); }));
  CHECK(s.sink.last_outcome().result_keys == std::vector<std::string>{"results/d1/files/outputs/model.txt"});
  CHECK(fs::exists(s.dir / "datasets" / hash / "labels.txt"));
}

TEST_CASE("slurm executor: every poll asks squeue once for all jobs") {
  Slurm s("slurm-one-squeue");
  // Job ids by task (several sbatch run at once, in no fixed order): a 50, b 51, c 52.
  s.runner->on("sbatch", [&](const std::vector<std::string>& argv) -> Result<CommandOutput> {
    const std::string script = argv.back();
    for (const auto& [task, id] : {std::pair{"/a/", "50"}, {"/b/", "51"}, {"/c/", "52"}})
      if (script.find(task) != std::string::npos) return CommandOutput{0, std::string(id) + "\n", ""};
    return fail(Errc::invalid_argument, "unexpected script " + script);
  });
  std::mutex mu;
  std::vector<std::string> asked;
  s.runner->on("squeue", [&](const std::vector<std::string>& argv) -> Result<CommandOutput> {
    std::lock_guard lock(mu);
    for (const auto& a : argv)
      if (a.rfind("--jobs=", 0) == 0) asked.push_back(a);
    return CommandOutput{0, "50|RUNNING|None|0|0:01|a|\n51|RUNNING|None|0|0:01|b|\n52|PENDING|Resources|0|0:00|c|\n", ""};
  });
  for (const char* id : {"a", "b", "c"}) REQUIRE(s.executor->submit(s.task(id)));
  REQUIRE(eventually([&] { return s.sink.has("started b 1 51"); }));
  REQUIRE(eventually([&] {
    std::lock_guard lock(mu);
    return !asked.empty() && asked.back() == "--jobs=50,51,52";
  }));
  CHECK(s.sink.has("queued c 1 waiting for resources"));
  CHECK(s.runner->count("sbatch") == 3);
}

TEST_CASE("slurm executor: a GPU request Slurm refuses fails in plain words with Slurm's text kept") {
  Slurm s("slurm-refused");
  s.runner->reply("sbatch", 1, "", "sbatch: error: Batch job submission failed: Invalid generic resource (gres) specification\n");
  REQUIRE(s.executor->submit(s.task("g", 1)));
  REQUIRE(eventually([&] { return s.sink.has("finished g 1 failed"); }));
  std::string line;
  for (const auto& l : s.sink.lines())
    if (l.rfind("finished g", 0) == 0) line = l;
  CHECK(line.find("GPU") != std::string::npos);
  CHECK(line.find("Slurm said: sbatch: error: Batch job submission failed: Invalid generic resource") != std::string::npos);
  CHECK(s.script("g").find("--gres=gpu:1") != std::string::npos);
  CHECK(s.runner->count("squeue") == 0);  // nothing to watch
}

TEST_CASE("slurm executor: a controller that does not answer leaves the task waiting, then one job is submitted") {
  Slurm s("slurm-down");
  lab::sys::FakeClock clock;
  s.executor->stop();
  s.executor.reset();
  // Restarted on a fake clock so the backoff can be skipped.
  ExecutorContext ctx;
  ctx.config = s.config;
  ctx.sink = &s.sink;
  ctx.storage = s.storage.get();
  ctx.clock = &clock;
  ctx.db_path = s.dir / "remote.db";
  std::atomic<bool> up{false};
  s.runner->on("sbatch", [&](const std::vector<std::string>&) -> Result<CommandOutput> {
    if (!up) return fail(Errc::timeout, "sbatch did not answer");
    return CommandOutput{0, "77\n", ""};
  });
  s.squeue("", 1, kDown);
  s.executor = make_slurm_executor(ctx, s.runner).value();
  REQUIRE(s.executor->submit(s.task("d")));
  REQUIRE(eventually([&] { return s.sink.has(std::string("queued d 1 ") + std::string(slurm::kSchedulerDown)); }));
  // Back up: the uncertain first sbatch is looked up by name before a new one is sent.
  up = true;
  std::atomic<int> by_name{0};
  s.runner->on("squeue", [&](const std::vector<std::string>& argv) -> Result<CommandOutput> {
    for (const auto& a : argv)
      if (a.rfind("--name", 0) == 0 || a == "-n") ++by_name;
    return CommandOutput{0, "", ""};
  });
  clock.advance_ms(120'000);
  REQUIRE(eventually([&] { return s.sink.has("queued d 1 submitted to Slurm as job 77"); }));
  CHECK(by_name >= 1);
  CHECK(s.runner->count("sbatch") >= 2);  // the timed-out one and the real one
}

TEST_CASE("slurm executor: after a restart a known job is watched again, never submitted twice") {
  Slurm s("slurm-restart");
  s.runner->reply("sbatch", 0, "90\n");
  s.squeue("90|PENDING|Priority|0|0:00|lab-r-1|\n");
  REQUIRE(s.executor->submit(s.task("r")));
  REQUIRE(eventually([&] { return s.sink.has("queued r 1 submitted to Slurm as job 90"); }));
  s.executor->stop();
  s.executor.reset();
  s.start();
  // The remote hands the still-queued task over again, as attempt 2.
  auto t = s.task("r");
  t.attempt = 2;
  REQUIRE(s.executor->submit(t));
  CHECK(s.sink.has("queued r 2 waiting in Slurm as job 90"));
  s.squeue("90|RUNNING|None|0|0:03|lab-r-1|\n");
  REQUIRE(eventually([&] { return s.sink.has("started r 2 90"); }));
  // A running job adopted by id after another restart.
  s.executor->stop();
  s.executor.reset();
  s.start();
  REQUIRE(s.executor->adopt(t, "90"));
  CHECK_FALSE(s.executor->adopt(s.task("x"), "worker-7"));
  {
    std::lock_guard lock(s.mu);
    s.scontrol_job = "JobId=90 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 RunTime=00:00:04\n";
  }
  s.squeue("90|FAILED|NonZeroExitCode|3|0:04|lab-r-1|\n");
  REQUIRE(eventually([&] { return s.sink.has("finished r 2 failed"); }));
  CHECK(s.sink.last_outcome().exit_code == 3);
  CHECK(s.runner->count("sbatch") == 1);
}

TEST_CASE("slurm executor: cancel runs scancel and reports cancelled once Slurm says so") {
  Slurm s("slurm-cancel");
  s.runner->reply("sbatch", 0, "60\n");
  s.runner->reply("scancel", 0, "");
  s.squeue("60|PENDING|Resources|0|0:00|lab-c-1|\n");
  REQUIRE(s.executor->submit(s.task("c")));
  REQUIRE(eventually([&] { return s.sink.has("queued c 1 waiting"); }));
  s.executor->cancel("c");
  REQUIRE(eventually([&] { return s.runner->count("scancel") == 1; }));
  CHECK_FALSE(s.sink.has("finished c"));  // not before Slurm confirms
  s.squeue("60|CANCELLED|None|0|0:00|lab-c-1|\n");
  REQUIRE(eventually([&] { return s.sink.has("finished c 1 cancelled cancelled"); }));
  s.executor->cancel("c");  // already over: ignored
  CHECK(s.runner->count("scancel") == 1);
}

TEST_CASE("slurm executor: a job Slurm forgot entirely fails with a reason, not silence") {
  Slurm s("slurm-vanished");
  s.runner->reply("sbatch", 0, "70\n");
  s.squeue("");  // neither squeue, scontrol nor the jobcomp file knows it
  REQUIRE(s.executor->submit(s.task("v")));
  REQUIRE(eventually([&] { return s.sink.has("finished v 1 failed Slurm no longer knows job 70"); }));
}

TEST_CASE("slurm executor: pool() reads sinfo at most once per poll interval") {
  Slurm s("slurm-pool");
  s.runner->reply("sinfo", 0, "debug|up|idle|0/4/0/4|gpu:2|7900|1\ndebug|up|mixed|2/2/0/4|(null)|7900|1\n");
  auto p = s.executor->pool();
  auto again = s.executor->pool();
  REQUIRE(p.size() == 1);
  CHECK(p[0].name == "debug");
  CHECK(p[0].kind == "slurm-partition");
  CHECK(p[0].state == "mixed");
  CHECK(p[0].cpus_total == 8);
  CHECK(p[0].cpus_allocated == 2);
  CHECK(p[0].gpus_total == 2);
  CHECK(again.size() == 1);
  CHECK(s.runner->count("sinfo") == 1);
}

TEST_CASE("slurm executor: a job missing from squeue's answer but alive in scontrol is watched on") {
  Slurm s("slurm-missing-line");
  s.runner->reply("sbatch", 0, "80\n");
  {
    std::lock_guard lock(s.mu);
    s.scontrol_job = "JobId=80 JobState=RUNNING Reason=None ExitCode=0:0 RunTime=00:00:02\n";
  }
  s.squeue("");  // squeue leaves the job out; scontrol still knows it runs
  auto t = s.task("m");
  REQUIRE(s.executor->submit(t));
  REQUIRE(eventually([&] { return s.sink.has("started m 1 80"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(s.sink.has("finished m"));
  append(t.folder / ".lab-slurm" / "exit_code", "0\n");
  {
    std::lock_guard lock(s.mu);
    s.scontrol_job = "JobId=80 JobState=COMPLETED Reason=None ExitCode=0:0 RunTime=00:00:05\n";
  }
  REQUIRE(eventually([&] { return s.sink.has("finished m 1 completed"); }));
  CHECK(s.runner->count("sbatch") == 1);
}

TEST_CASE("slurm executor: sbatch_parallel sbatch commands run at once, never more; each task's events stay in order") {
  Slurm s("slurm-parallel");
  s.executor->stop();
  s.executor.reset();
  s.config.executor.sbatch_parallel = 3;
  std::mutex mu;
  int running = 0, most = 0, next = 100;  // guarded by mu
  s.runner->on("sbatch", [&](const std::vector<std::string>&) -> Result<CommandOutput> {
    {
      std::lock_guard lock(mu);
      most = std::max(most, ++running);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // a slow controller
    std::lock_guard lock(mu);
    --running;
    return CommandOutput{0, std::to_string(next++) + "\n", ""};
  });
  s.runner->on("squeue", all_pending);
  s.start();
  const std::vector<std::string> ids = {"p1", "p2", "p3", "p4", "p5", "p6", "p7"};
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& id : ids) REQUIRE(s.executor->submit(s.task(id)));
  REQUIRE(eventually([&] { return s.runner->count("sbatch") == 7 && s.sink.has("queued p7 1 submitted to Slurm"); }));
  const auto took = std::chrono::steady_clock::now() - t0;
  {
    std::lock_guard lock(mu);
    CHECK(most == 3);
  }
  CHECK(took < std::chrono::milliseconds(7 * 150));  // faster than one at a time
  // Each task: "handing the task to Slurm" first, then its own job id; nobody's twice.
  for (const auto& id : ids) {
    std::vector<std::string> mine;
    for (const auto& l : s.sink.lines())
      if (l.rfind("queued " + id + " ", 0) == 0) mine.push_back(l);
    REQUIRE(mine.size() >= 2);  // then what squeue says
    CHECK(mine[0] == "queued " + id + " 1 handing the task to Slurm");
    CHECK(mine[1].rfind("queued " + id + " 1 submitted to Slurm as job ", 0) == 0);
  }
  std::set<std::string> jobs;
  for (const auto& l : s.sink.lines())
    if (auto at = l.find("as job "); at != std::string::npos) jobs.insert(l.substr(at));
  CHECK(jobs.size() == ids.size());
}

TEST_CASE("slurm executor: a job that gets its id while squeue runs is not taken for one missing from the answer") {
  Slurm s("slurm-late-id");
  s.executor->stop();
  s.executor.reset();
  std::atomic<int> next{200};
  s.runner->on("sbatch", [&](const std::vector<std::string>&) -> Result<CommandOutput> {
    return CommandOutput{0, std::to_string(next++) + "\n", ""};
  });
  std::atomic<bool> first{true}, late_has_id{false};
  s.runner->on("squeue", [&](const std::vector<std::string>& argv) -> Result<CommandOutput> {
    // While the first squeue runs, another task is submitted and gets its job id.
    if (first.exchange(false) && s.executor->submit(s.task("late")))
      late_has_id = eventually([&] { return s.sink.has("queued late 1 submitted to Slurm as job"); });
    return all_pending(argv);
  });
  std::mutex mu;
  std::vector<std::string> shown;  // the jobs `scontrol show job` was asked about; guarded by mu
  s.runner->on("scontrol", [&](const std::vector<std::string>& argv) -> Result<CommandOutput> {
    if (argv.at(1) == "show" && argv.at(2) == "config") return CommandOutput{0, kConfig, ""};
    std::lock_guard lock(mu);
    shown.push_back(argv.back());
    return CommandOutput{1, "", "slurm_load_jobs error: Invalid job id specified\n"};
  });
  s.start();
  REQUIRE(s.executor->submit(s.task("early")));
  REQUIRE(eventually([&] { return late_has_id.load(); }));
  REQUIRE(eventually([&] { return s.runner->count("squeue") >= 3; }));
  CHECK_FALSE(s.sink.has("finished late"));
  CHECK_FALSE(s.sink.has("finished early"));
  std::lock_guard lock(mu);
  CHECK(shown.empty());  // nobody looked for a job that only seemed missing
}

TEST_CASE("slurm executor: the first squeue comes first_poll_ms after sbatch, then the normal interval") {
  Slurm s("slurm-first-poll");
  s.executor->stop();
  s.executor.reset();
  s.config.executor.poll_interval_ms = 5000;
  s.config.executor.first_poll_ms = 100;
  s.runner->reply("sbatch", 0, "61\n");
  std::atomic<bool> running{false};
  s.runner->on("squeue", [&](const std::vector<std::string>&) -> Result<CommandOutput> {
    return CommandOutput{0, running ? "61|RUNNING|None|0|0:01|lab-f-1|\n" : "61|PENDING|None|0|0:00|lab-f-1|\n", ""};
  });
  s.start();
  REQUIRE(s.executor->submit(s.task("f")));
  REQUIRE(eventually([&] { return s.sink.has("queued f 1 submitted to Slurm as job 61"); }));
  // Slurm starts the job a moment later: seen within a few fast polls, not after 5 s.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  running = true;
  REQUIRE(eventually([&] { return s.sink.has("started f 1 61"); }, std::chrono::milliseconds(1500)));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1000));
  // Started: back to the normal interval.
  const int before = s.runner->count("squeue");
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(s.runner->count("squeue") - before <= 1);
}

TEST_CASE("slurm executor: the start marker reports a job started and its log flows without asking squeue") {
  Slurm s("slurm-marker");
  s.executor->stop();
  s.executor.reset();
  s.config.executor.poll_interval_ms = 60000;  // after the first polls, squeue is not asked again
  s.config.executor.first_poll_ms = 60000;
  s.runner->reply("sbatch", 0, "71\n");
  s.squeue("71|PENDING|Priority|0|0:00|lab-m-1|\n");
  s.start();
  auto t = s.task("m");
  REQUIRE(s.executor->submit(t));
  REQUIRE(eventually([&] { return s.sink.has("queued m 1 submitted to Slurm as job 71"); }));
  CHECK(s.script("m").find(": > '" + (t.folder / ".lab-slurm" / "started").string() + "'\n") != std::string::npos);
  const int polls = s.runner->count("squeue");
  // The job's script starts: the marker, then output. squeue still says PENDING, unasked.
  append(t.folder / ".lab-slurm" / "started", "");
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(eventually([&] { return s.sink.has("started m 1 71"); }, std::chrono::milliseconds(2000)));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
  append(t.folder / ".lab-slurm" / "output.log", "step 1\n");
  REQUIRE(eventually([&] { return s.sink.has("log m 1 step 1\n"); }, std::chrono::milliseconds(2000)));
  CHECK(s.runner->count("squeue") == polls);
}
