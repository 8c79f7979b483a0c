#include <doctest/doctest.h>

#include <lab/slurm/client.hpp>
#include <lab/slurm/fake_runner.hpp>
#include <lab/slurm/runner.hpp>

#include <lab/util/strings.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;
using namespace lab::slurm;
using lab::Errc;

namespace {

struct Fixture {
  FakeRunner runner;
  lab::sys::FakeClock clock;
  Client client{Tools{}, runner, clock};
  fs::path dir = fs::temp_directory_path() / ("lab-slurm-client-" + std::to_string(std::random_device{}()));
  ~Fixture() { fs::remove_all(dir); }

  JobRequest job(const std::string& id, int attempt = 1) {
    JobRequest j;
    j.task_id = id;
    j.job_name = job_name_for("lab", id, attempt);
    j.workdir = dir;
    j.command = "true";
    j.output_path = dir / "out";
    j.error_path = dir / "err";
    j.exit_code_path = dir / "code";
    return j;
  }
};

const char* kDown = "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n";

}  // namespace

TEST_CASE("submit writes the script and returns sbatch's job id") {
  Fixture f;
  f.runner.reply("sbatch", 0, "4242;ci\n");
  auto s = f.client.submit(f.job("t1"), f.dir / "job.sh");
  REQUIRE(s.has_value());
  CHECK(s->outcome == Submission::Outcome::submitted);
  CHECK(s->job_id == "4242");
  CHECK(s->cluster == "ci");
  CHECK(fs::exists(f.dir / "job.sh"));
  auto call = f.runner.calls().at(0);
  CHECK(call == std::vector<std::string>{"sbatch", "--parsable", (f.dir / "job.sh").string()});
  CHECK(f.runner.count("squeue") == 0);  // a first attempt does not look for itself
}

TEST_CASE("a refusal is an outcome with plain words and the raw text") {
  Fixture f;
  f.runner.reply("sbatch", 1, "", "sbatch: error: Invalid generic resource (gres) specification\n");
  auto j = f.job("t1");
  j.gpus = 1;
  auto s = f.client.submit(j, f.dir / "job.sh");
  REQUIRE(s.has_value());
  CHECK(s->outcome == Submission::Outcome::refused);
  CHECK(s->refusal.plain == "this cluster has no GPUs in the default partition (asked for 1)");
  CHECK(s->refusal.raw.find("Invalid generic resource") != std::string::npos);
  CHECK_FALSE(f.client.backoff().down());  // the controller answered
}

TEST_CASE("sbatch that cannot reach the controller is not a refusal") {
  Fixture f;
  f.runner.reply("sbatch", 1, "", kDown);
  auto s = f.client.submit(f.job("t1"), f.dir / "job.sh");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == Errc::unavailable);
  CHECK(s.error().message.starts_with("cluster scheduler not responding"));
  CHECK(f.client.backoff().down());
}

TEST_CASE("garbage from sbatch is an error, not a job id") {
  Fixture f;
  f.runner.reply("sbatch", 0, "Submitted batch job ???\n");
  auto s = f.client.submit(f.job("t1"), f.dir / "job.sh");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == Errc::corrupt);
}

TEST_CASE("a hung controller: timeout, backoff, no command until the wait is over") {
  Fixture f;
  f.runner.on("sbatch", [](const std::vector<std::string>&) -> lab::Result<CommandOutput> {
    return lab::fail(Errc::timeout, "sbatch did not answer within 30000 ms");
  });
  auto s = f.client.submit(f.job("t1"), f.dir / "job.sh");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == Errc::timeout);
  CHECK(s.error().message.starts_with("cluster scheduler not responding"));
  CHECK(f.client.backoff().down());
  // Within the backoff window nothing runs.
  auto again = f.client.submit(f.job("t1"), f.dir / "job.sh", true);
  CHECK(again.error().code == Errc::unavailable);
  CHECK(again.error().message == "cluster scheduler not responding; next try in 1 s");
  CHECK(f.runner.calls().size() == 1);
}

TEST_CASE("a retry after an uncertain submit adopts the job Slurm already has") {
  Fixture f;
  int sbatch_calls = 0;
  f.runner.on("sbatch", [&](const std::vector<std::string>&) -> lab::Result<CommandOutput> {
    ++sbatch_calls;
    return lab::fail(Errc::timeout, "sbatch did not answer");
  });
  CHECK_FALSE(f.client.submit(f.job("t1"), f.dir / "job.sh").has_value());
  f.clock.advance_ms(kBackoffFirstMs);
  std::vector<std::string> asked;
  f.runner.on("squeue", [&](const std::vector<std::string>& argv) -> lab::Result<CommandOutput> {
    asked = argv;
    return CommandOutput{0, "17\n31\n", ""};  // e.g. an older job with the same name and this one
  });
  auto s = f.client.submit(f.job("t1"), f.dir / "job.sh", true);
  REQUIRE(s.has_value());
  CHECK(s->outcome == Submission::Outcome::adopted);
  CHECK(s->job_id == "31");
  CHECK(sbatch_calls == 1);  // not submitted twice
  CHECK(std::find(asked.begin(), asked.end(), "--name=lab-t1-1") != asked.end());
  CHECK_FALSE(f.client.backoff().down());
  // Slurm has none by that name: submitted now.
  f.runner.reply("squeue", 0, "");
  f.runner.reply("sbatch", 0, "40\n");
  auto fresh = f.client.submit(f.job("t2"), f.dir / "job.sh", true);
  CHECK(fresh->outcome == Submission::Outcome::submitted);
  CHECK(fresh->job_id == "40");
}

TEST_CASE("poll asks squeue once for all jobs and keeps only ours") {
  Fixture f;
  std::vector<std::string> asked;
  f.runner.on("squeue", [&](const std::vector<std::string>& argv) -> lab::Result<CommandOutput> {
    asked = argv;
    return CommandOutput{0, "1|RUNNING|None|0|0:05|a|\n2|PENDING|Priority|0|0:00|b|\n99|RUNNING|None|0|0:01|x|\n", ""};
  });
  std::vector<std::string> ids;
  for (int i = 1; i <= 50; ++i) ids.push_back(std::to_string(i));
  auto r = f.client.poll(ids);
  REQUIRE(r.has_value());
  CHECK(f.runner.count("squeue") == 1);
  CHECK(std::find(asked.begin(), asked.end(), "--jobs=" + lab::util::join(ids, ",")) != asked.end());
  CHECK(r->size() == 2);  // 99 is not ours; 3..50 are gone from squeue
  CHECK(r->at("2").reason.starts_with("waiting for priority"));
  CHECK(f.client.poll({}).value().empty());
  CHECK(f.runner.count("squeue") == 1);  // nothing to ask
}

TEST_CASE("poll: all jobs purged is an empty answer; a dead controller is kSchedulerDown") {
  Fixture f;
  f.runner.reply("squeue", 1, "", "slurm_load_jobs error: Invalid job id specified\n");
  std::vector<std::string> ids{"5"};
  CHECK(f.client.poll(ids).value().empty());
  f.runner.reply("squeue", 1, "", "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n");
  auto r = f.client.poll(ids);
  CHECK(r.error().code == Errc::unavailable);
  CHECK(r.error().message.starts_with("cluster scheduler not responding"));
  // Backoff doubles while it stays down, and resets on the first answer.
  f.clock.advance_ms(kBackoffFirstMs);
  CHECK(f.client.poll(ids).error().code == Errc::unavailable);
  CHECK(f.client.backoff().failures() == 2);
  f.clock.advance_ms(kBackoffFirstMs);
  CHECK(f.client.poll(ids).error().message.ends_with("next try in 1 s"));
  f.clock.advance_ms(kBackoffFirstMs);
  f.runner.reply("squeue", 0, "5|RUNNING|None|0|0:01|n|\n");
  CHECK(f.client.poll(ids).value().at("5").state == JobState::running);
  CHECK_FALSE(f.client.backoff().down());
}

TEST_CASE("backoff grows to its ceiling") {
  ControllerBackoff b;
  std::int64_t now = 0;
  for (int i = 0; i < 20; ++i) b.failed(now);
  CHECK(b.next_try_ms() == kBackoffMaxMs);
  CHECK_FALSE(b.may_try(kBackoffMaxMs - 1));
  CHECK(b.may_try(kBackoffMaxMs));
  b.succeeded();
  CHECK(b.may_try(0));
}

TEST_CASE("final status: scontrol first, then the jobcomp file once scontrol forgot the job") {
  Fixture f;
  f.runner.reply("scontrol", 0, "JobCompType = jobcomp/filetxt\nAccountingStorageType = accounting_storage/none\n");
  auto acct = f.client.accounting();
  CHECK(acct == Accounting::jobcomp_file);
  f.runner.on("scontrol", [](const std::vector<std::string>& argv) -> lab::Result<CommandOutput> {
    if (argv.back() == "1") return CommandOutput{0, "JobId=1 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 RunTime=00:00:04\n", ""};
    return CommandOutput{1, "", "slurm_load_jobs error: Invalid job id specified\n"};
  });
  f.runner.reply("sacct", 0, "2|TIMEOUT|0:15|60\n");
  auto one = f.client.final_status("1");
  CHECK(one->exit_code == 3);
  CHECK(f.runner.count("sacct") == 0);
  auto two = f.client.final_status("2");
  CHECK(two->state == JobState::timeout);
  CHECK(two->elapsed_s == 60);
  CHECK(f.runner.calls().back() == std::vector<std::string>{"sacct", "-c", "-n", "-P", "-j", "2", "-o", "JobID,State,ExitCode,ElapsedRaw"});
  f.runner.reply("sacct", 0, "");
  CHECK(f.client.final_status("3").error().code == Errc::not_found);
}

TEST_CASE("final status with slurmdbd reads sacct's CPU time") {
  Fixture f;
  f.runner.reply("scontrol", 0, "AccountingStorageType = accounting_storage/slurmdbd\n");
  f.runner.reply("sacct", 0, "8|COMPLETED|0:0|10|00:00:00|cpu=1\n8.batch|COMPLETED|0:0|10|00:07.250|cpu=1\n");
  auto js = f.client.final_status("8");
  REQUIRE(js.has_value());
  CHECK(js->cpu_seconds == doctest::Approx(7.25));
  CHECK(f.runner.count("scontrol") == 1);  // config only: sacct answered
}

TEST_CASE("cancel: unknown and finished jobs are told apart") {
  Fixture f;
  f.runner.reply("scancel", 0, "");
  CHECK(f.client.cancel("5").has_value());
  f.runner.reply("scancel", 1, "", "scancel: error: Kill job error on job id 6: Invalid job id specified\n");
  CHECK(f.client.cancel("6").error().code == Errc::not_found);
  f.runner.reply("scancel", 1, "", "scancel: error: Kill job error on job id 7: Job/step already completing or completed\n");
  CHECK(f.client.cancel("7").error().code == Errc::conflict);
}

TEST_CASE("a missing Slurm command is a configuration error, not a down controller") {
  Fixture f;  // no handler for sbatch: not found
  auto s = f.client.submit(f.job("t1"), f.dir / "job.sh");
  CHECK(s.error().code == Errc::not_found);
  CHECK_FALSE(f.client.backoff().down());
}

TEST_CASE("the real runner captures output and exit codes, and kills what hangs") {
  auto runner = make_process_runner();
  auto r = runner->run({"/bin/sh", "-c", "echo out; echo err >&2; exit 4"}, std::chrono::milliseconds(5000));
  REQUIRE(r.has_value());
  CHECK(r->out == "out\n");
  CHECK(r->err == "err\n");
  CHECK(r->exit_code == 4);
  auto t0 = std::chrono::steady_clock::now();
  auto hang = runner->run({"/bin/sh", "-c", "sleep 30"}, std::chrono::milliseconds(200));
  CHECK(hang.error().code == Errc::timeout);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(runner->run({"/nonexistent/sbatch"}, std::chrono::milliseconds(1000)).error().code == Errc::not_found);
}

TEST_CASE("Slurm commands, and so jobs, get the remote's harmless variables and Slurm's own, never its secrets") {
  std::vector<std::string> vars = {"PATH=/usr/bin", "HOME=/home/r", "LC_ALL=C.UTF-8", "SLURM_CONF=/etc/s.conf",
                                   "SBATCH_PARTITION=gpu", "AWS_SECRET_ACCESS_KEY=s3cr3t", "LAB_TOKEN=t",
                                   "PATHS=x", "no_equals_sign"};
  std::vector<char*> env;
  for (auto& v : vars) env.push_back(v.data());
  env.push_back(nullptr);
  const auto kept = command_environment(env.data());
  CHECK(kept == std::map<std::string, std::string>{{"HOME", "/home/r"}, {"LC_ALL", "C.UTF-8"}, {"PATH", "/usr/bin"},
                                                    {"SBATCH_PARTITION", "gpu"}, {"SLURM_CONF", "/etc/s.conf"}});

  // The real runner applies it: a secret in the remote's environment is not in a command's.
  ::setenv("LAB_TEST_SECRET_KEY", "do-not-pass", 1);
  ::setenv("SLURM_TEST_SETTING", "passed", 1);
  auto r = make_process_runner()->run({"/usr/bin/env"}, std::chrono::milliseconds(5000));
  ::unsetenv("LAB_TEST_SECRET_KEY");
  ::unsetenv("SLURM_TEST_SETTING");
  REQUIRE(r.has_value());
  CHECK(r->out.find("do-not-pass") == std::string::npos);
  CHECK(r->out.find("SLURM_TEST_SETTING=passed\n") != std::string::npos);
}
