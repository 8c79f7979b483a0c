// lab::slurm::Client against a real single-node Slurm 22.05. Run by tests/slurm/run-live.sh,
// which starts Slurm with ../shared/slurm/slurm-ci.sh and sets SLURM_CONF and SLURM_CI_BASE.
// Test cases run in file order: the first starts a job that must reach its time limit, the
// last checks it, so the minute that takes overlaps the others.
#include <doctest/doctest.h>

#include <lab/slurm/client.hpp>
#include <lab/slurm/log_follower.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using namespace lab::slurm;
using namespace std::chrono_literals;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  INFO("run through tests/slurm/run-live.sh, which starts Slurm and sets " << std::string(name));
  REQUIRE(v != nullptr);
  return v;
}

// Counts calls per program on their way to the real runner.
class CountingRunner final : public CommandRunner {
 public:
  lab::Result<CommandOutput> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) override {
    if (argv[0].ends_with("squeue")) ++squeue_calls;
    return real_->run(argv, timeout);
  }
  std::atomic<int> squeue_calls{0};

 private:
  std::unique_ptr<CommandRunner> real_ = make_process_runner();
};

CountingRunner& runner() {
  static CountingRunner r;
  return r;
}

Client& client() {
  static Client c(Tools{.timeout = 3s}, runner());
  return c;
}

fs::path work() {
  static fs::path d = fs::path(env("SLURM_CI_BASE")) / ("work-" + std::to_string(std::random_device{}()));
  return d;
}

JobRequest job(const std::string& id, const std::string& command) {
  fs::path dir = work() / id;
  fs::create_directories(dir);
  JobRequest j;
  j.task_id = id;
  j.job_name = job_name_for("labtest", id, 1);
  j.workdir = dir;
  j.command = command;
  j.output_path = dir / "output.log";
  j.error_path = dir / "output.log";
  j.exit_code_path = dir / "exit_code";
  return j;
}

std::string submit_ok(const JobRequest& j) {
  auto s = client().submit(j, j.workdir / "job.sh");
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
  REQUIRE_MESSAGE(s->outcome == Submission::Outcome::submitted, s->refusal.raw);
  return s->job_id;
}

// Polls until `id`'s state satisfies `done` or `limit` passes; returns the last status.
template <class Pred>
JobStatus wait_for(const std::string& id, Pred done, std::chrono::seconds limit = 30s) {
  auto end = std::chrono::steady_clock::now() + limit;
  JobStatus last;
  while (std::chrono::steady_clock::now() < end) {
    std::vector<std::string> ids{id};
    auto r = client().poll(ids);
    if (r && r->count(id)) {
      last = r->at(id);
      if (done(last)) return last;
    }
    std::this_thread::sleep_for(100ms);
  }
  FAIL("job " << id << " still " << last.raw_state << " after " << limit.count() << " s");
  return last;
}

Submission refused(const JobRequest& j) {
  auto s = client().submit(j, j.workdir / "job.sh");
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
  CHECK(s->outcome == Submission::Outcome::refused);
  return *s;
}

std::string timeout_job_id;

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

}  // namespace

TEST_CASE("start: a job that outlives its time limit") {
  auto j = job("timeout", "echo started; sleep 600");
  j.time_limit_s = 60;  // Slurm counts whole minutes
  timeout_job_id = submit_ok(j);
}

TEST_CASE("a job runs to COMPLETED; its output is followed and its exit code recorded") {
  auto j = job("ok", "for i in 1 2 3; do echo line$i; sleep 0.3; done");
  j.env["GREETING"] = "it's $(not run)";
  j.command += "; echo \"$GREETING\"; echo $PYTHONUNBUFFERED";
  auto id = submit_ok(j);
  LogFollower follow(j.output_path);
  std::string seen;
  bool saw_running = false;
  auto st = wait_for(id, [&](const JobStatus& s) {
    saw_running |= s.state == JobState::running;
    seen += follow.read_new().value();
    return is_final(s.state);
  });
  seen += follow.read_rest().value();
  CHECK(saw_running);
  CHECK(st.state == JobState::completed);
  CHECK(st.exit_code == 0);
  CHECK(seen == "line1\nline2\nline3\nit's $(not run)\n1\n");
  CHECK(read_exit_code_file(j.exit_code_path) == 0);
  auto fin = client().final_status(id);
  REQUIRE(fin.has_value());
  CHECK(fin->state == JobState::completed);
  CHECK(fin->elapsed_s >= 0);
}

TEST_CASE("a failing command: FAILED with exit code 3") {
  auto j = job("fail", "echo oops >&2; exit 3");
  auto id = submit_ok(j);
  auto st = wait_for(id, [](const JobStatus& s) { return is_final(s.state); });
  CHECK(st.state == JobState::failed);
  CHECK(st.exit_code == 3);
  CHECK(read_exit_code_file(j.exit_code_path) == 3);
  auto fin = client().final_status(id);
  CHECK(fin->exit_code == 3);
  std::ifstream f(j.output_path);
  std::string line;
  std::getline(f, line);
  CHECK(line == "oops");
}

TEST_CASE("requests the cluster cannot satisfy are refused in plain words") {
  auto g = job("gpu", "true");
  g.gpus = 1;
  g.partition = "debug";
  auto s = refused(g);
  CHECK(s.refusal.plain == "this cluster has no GPUs in partition debug (asked for 1)");
  CHECK(s.refusal.raw.find("Invalid generic resource (gres) specification") != std::string::npos);

  auto m = job("mem", "true");
  m.memory_bytes = 4096ull << 30;
  CHECK(refused(m).refusal.plain == "asked for more memory (4.0 TiB) than any node in the default partition has");

  auto p = job("part", "true");
  p.partition = "nosuchpart";
  CHECK(refused(p).refusal.plain == "partition nosuchpart does not exist on this cluster");

  auto c = job("cpus", "true");
  c.cpus = 512;
  CHECK(refused(c).refusal.plain == "asked for more CPUs (512) than any node in the default partition has");

  // A partition time limit, set for this check only (EnforcePartLimits=ALL refuses at submit).
  REQUIRE(sh("scontrol update PartitionName=debug MaxTime=10") == 0);
  auto t = job("time", "true");
  t.time_limit_s = 3600;
  auto ts = refused(t);
  CHECK(sh("scontrol update PartitionName=debug MaxTime=INFINITE") == 0);
  CHECK(ts.refusal.plain == "asked for more time than the default partition allows");
  CHECK(ts.refusal.raw.find("time limit") != std::string::npos);
}

TEST_CASE("cancel a pending (held) job and a running one; Slurm confirms") {
  auto h = job("held", "echo never");
  h.extra_sbatch = {"--hold"};
  auto held = submit_ok(h);
  auto p = wait_for(held, [](const JobStatus& s) { return s.state == JobState::pending; });
  CHECK(p.reason.starts_with("held"));
  REQUIRE(client().cancel(held).has_value());
  CHECK(wait_for(held, [](const JobStatus& s) { return is_final(s.state); }).state == JobState::cancelled);

  auto r = job("running", "echo up; sleep 300");
  auto running = submit_ok(r);
  wait_for(running, [](const JobStatus& s) { return s.state == JobState::running; });
  REQUIRE(client().cancel(running).has_value());
  auto st = wait_for(running, [](const JobStatus& s) { return is_final(s.state); });
  CHECK(st.state == JobState::cancelled);
  CHECK_FALSE(read_exit_code_file(r.exit_code_path).has_value());  // the command never ended by itself
  auto again = client().cancel(running);  // harmless: Slurm says nothing or "already completed"
  CHECK((again.has_value() || again.error().code == lab::Errc::conflict));
}

TEST_CASE("many jobs are watched with one squeue call per poll") {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto j = job("many" + std::to_string(i), "true");
    j.extra_sbatch = {"--hold"};
    ids.push_back(submit_ok(j));
  }
  int before = runner().squeue_calls;
  for (int round = 0; round < 3; ++round) {
    auto r = client().poll(ids);
    REQUIRE(r.has_value());
    CHECK(r->size() == ids.size());
  }
  CHECK(runner().squeue_calls - before == 3);
  for (const auto& id : ids) CHECK(client().cancel(id).has_value());
}

TEST_CASE("a stopped controller: 'cluster scheduler not responding', then recovery, no double submission") {
  auto j = job("outage", "echo survived");
  j.extra_sbatch = {"--hold"};
  auto id = submit_ok(j);

  std::string pidfile = env("SLURM_CI_BASE") + "/run/slurmctld.pid";
  REQUIRE(sh("p=$(cat " + pidfile + ") && kill $p && while kill -0 $p 2>/dev/null; do sleep 0.1; done") == 0);
  std::vector<std::string> ids{id};
  auto down = client().poll(ids);
  REQUIRE_FALSE(down.has_value());
  CHECK(down.error().message.starts_with("cluster scheduler not responding"));
  CHECK(client().backoff().down());
  // A submission while it is down fails the same way; Slurm may or may not have it.
  auto j2 = job("outage2", "true");
  auto s2 = client().submit(j2, j2.workdir / "job.sh");
  REQUIRE_FALSE(s2.has_value());
  CHECK(s2.error().message.starts_with("cluster scheduler not responding"));

  REQUIRE(sh("slurmctld -f \"$SLURM_CONF\"") == 0);
  // Retried with backoff until the controller answers again.
  lab::Result<std::map<std::string, JobStatus>> back = down;
  auto end = std::chrono::steady_clock::now() + 60s;
  while (!back && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(200ms);
    back = client().poll(ids);
  }
  REQUIRE_MESSAGE(back.has_value(), back.error().message);
  CHECK(back->at(id).state == JobState::pending);  // no job lost
  CHECK_FALSE(client().backoff().down());

  // The uncertain submission is retried: looked up by name first, submitted once.
  auto again = client().submit(j2, j2.workdir / "job.sh", true);
  REQUIRE(again.has_value());
  CHECK(again->outcome == Submission::Outcome::submitted);
  auto twice = client().submit(j2, j2.workdir / "job.sh", true);  // answer lost again: adopted
  REQUIRE(twice.has_value());
  CHECK(twice->outcome == Submission::Outcome::adopted);
  CHECK(twice->job_id == again->job_id);
  auto named = client().find_by_name(j2.job_name);
  CHECK(named.value() == again->job_id);
  CHECK(client().cancel(id).has_value());
}

TEST_CASE("end: the time-limited job ends TIMEOUT") {
  REQUIRE_FALSE(timeout_job_id.empty());
  auto st = wait_for(timeout_job_id, [](const JobStatus& s) { return is_final(s.state); }, 150s);
  CHECK(st.state == JobState::timeout);
  CHECK(st.elapsed_s >= 60);
  CHECK_FALSE(read_exit_code_file(work() / "timeout" / "exit_code").has_value());
  auto fin = client().final_status(timeout_job_id);
  CHECK(fin->state == JobState::timeout);
}
