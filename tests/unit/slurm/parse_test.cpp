#include <doctest/doctest.h>

#include <lab/slurm/parse.hpp>

using namespace lab::slurm;

TEST_CASE("sbatch --parsable job ids, with and without a cluster") {
  std::string cluster = "x";
  CHECK(parse_job_id("123\n", &cluster) == "123");
  CHECK(cluster.empty());
  CHECK(parse_job_id("77;ci\n", &cluster) == "77");
  CHECK(cluster == "ci");
  for (const char* bad : {"", "\n", "Submitted batch job 5", "12a", "-3", "5\n6\n", "99999999999999999999999"}) {
    INFO(bad);
    auto r = parse_job_id(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == lab::Errc::corrupt);
  }
}

TEST_CASE("elapsed times in every Slurm form") {
  CHECK(parse_elapsed("0:00") == 0);
  CHECK(parse_elapsed("1:05") == 65);
  CHECK(parse_elapsed("2:01:05") == 7265);
  CHECK(parse_elapsed("1-02:00:00") == 93600);
  CHECK(parse_elapsed("1-02") == 93600);
  CHECK(parse_elapsed("00:01.500") == doctest::Approx(1.5));
  CHECK(parse_elapsed("42") == 42);
  for (const char* bad : {"", "x", "1:2:3:4", "1:-2", "1.x"}) CHECK_FALSE(parse_elapsed(bad).has_value());
}

TEST_CASE("squeue lines: states, reasons, wait status and names; garbage skipped") {
  auto jobs = parse_squeue(
      "5|PENDING|Resources|0|0:00|lab-a-1|\n"
      "6|RUNNING|None|0|1:02|lab-b-1|\n"
      "7|FAILED|NonZeroExitCode|768|0:03|lab-c-1|\n"
      "8|CANCELLED|None|15|0:01|we|ird|name|\n"
      "9|COMPLETED|None|0|0:10|lab-e-1|\n"
      "garbage line\n|||||\nxx|RUNNING|None|0|0:00|n|\n"
      "10|TIMEOUT|TimeLimit|9|1:00|lab-f-1|\n");
  REQUIRE(jobs.size() == 6);
  CHECK(jobs["5"].state == JobState::pending);
  CHECK(jobs["5"].reason.starts_with("waiting for resources"));
  CHECK_FALSE(jobs["5"].exit_code.has_value());
  CHECK(jobs["6"].elapsed_s == 62);
  CHECK(jobs["6"].reason.empty());
  CHECK(jobs["7"].exit_code == 3);
  CHECK(jobs["7"].signal == 0);
  CHECK(jobs["8"].state == JobState::cancelled);
  CHECK(jobs["8"].signal == 15);
  CHECK(jobs["8"].name == "we|ird|name");
  CHECK(jobs["9"].exit_code == 0);
  CHECK(jobs["10"].state == JobState::timeout);
  CHECK(jobs["10"].signal == 9);
}

TEST_CASE("scontrol -o show job") {
  auto js = parse_scontrol_job(
      "JobId=1 JobName=j.sh UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) "
      "ExitCode=3:0 RunTime=00:01:05 TimeLimit=UNLIMITED\n");
  REQUIRE(js.has_value());
  CHECK(js->job_id == "1");
  CHECK(js->state == JobState::failed);
  CHECK(js->exit_code == 3);
  CHECK(js->elapsed_s == 65);
  auto t = parse_scontrol_job("JobId=2 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 RunTime=00:01:00");
  CHECK(t->signal == 15);
  auto p = parse_scontrol_job("JobId=3 JobState=PENDING Reason=Priority ExitCode=0:0 RunTime=00:00:00");
  CHECK(p->reason.starts_with("waiting for priority"));
  CHECK_FALSE(p->exit_code.has_value());
  CHECK(parse_scontrol_job("slurm_load_jobs error: Invalid job id specified").error().code == lab::Errc::corrupt);
}

TEST_CASE("sacct: job line, CPU time summed over steps, GPUs from AllocTRES") {
  std::string out =
      "12|COMPLETED|0:0|125|00:00:00|billing=2,cpu=2,gres/gpu=2,mem=2G,node=1\n"
      "12.batch|COMPLETED|0:0|125|01:02.500|cpu=2,gres/gpu=2,mem=2G,node=1\n"
      "12.extern|COMPLETED|0:0|125|00:00.500|billing=2\n"
      "120|FAILED|1:0|3|00:10.000|cpu=1\n";
  auto js = parse_sacct(out, "12");
  REQUIRE(js.has_value());
  CHECK(js->state == JobState::completed);
  CHECK(js->elapsed_s == 125);
  CHECK(js->cpu_seconds == doctest::Approx(63.0));
  CHECK(js->gpus == 2);
  auto other = parse_sacct(out, "120");
  CHECK(other->exit_code == 1);
  CHECK(other->cpu_seconds == doctest::Approx(10.0));
  auto comp = parse_sacct("7|CANCELLED by 0|0:15|4\n", "7");  // sacct -c: four columns
  CHECK(comp->state == JobState::cancelled);
  CHECK(comp->signal == 15);
  CHECK_FALSE(comp->cpu_seconds.has_value());
  CHECK(parse_sacct("garbage", "7").error().code == lab::Errc::not_found);
}

TEST_CASE("scontrol show config lines") {
  auto kv = parse_config_lines("Configuration data as of 2026-01-01T00:00:00\nAccountingStorageType   = accounting_storage/none\nJobCompLoc = /tmp/a=b\n");
  CHECK(kv["AccountingStorageType"] == "accounting_storage/none");
  CHECK(kv["JobCompLoc"] == "/tmp/a=b");
}
