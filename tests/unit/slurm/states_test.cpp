#include <doctest/doctest.h>

#include <lab/slurm/states.hpp>

using namespace lab::slurm;

TEST_CASE("every Slurm state word maps to a lab state") {
  struct Case { const char* word; JobState want; bool final; };
  for (auto c : {Case{"PENDING", JobState::pending, false}, {"RUNNING", JobState::running, false},
                 {"COMPLETING", JobState::running, false}, {"COMPLETED", JobState::completed, true},
                 {"FAILED", JobState::failed, true}, {"CANCELLED", JobState::cancelled, true},
                 {"CANCELLED by 0", JobState::cancelled, true}, {"CANCELLED+", JobState::cancelled, true},
                 {"TIMEOUT", JobState::timeout, true}, {"OUT_OF_MEMORY", JobState::out_of_memory, true},
                 {"NODE_FAIL", JobState::node_fail, true}, {"PREEMPTED", JobState::preempted, true},
                 {"SUSPENDED", JobState::suspended, false}, {"REQUEUED", JobState::pending, false},
                 {"BOOT_FAIL", JobState::failed, true}, {"DEADLINE", JobState::failed, true},
                 {"CD", JobState::completed, true}, {"PD", JobState::pending, false}, {"OOM", JobState::out_of_memory, true},
                 {" RUNNING\n", JobState::running, false}, {"BANANA", JobState::unknown, false}, {"", JobState::unknown, false}}) {
    INFO(c.word);
    CHECK(parse_state(c.word) == c.want);
    CHECK(is_final(parse_state(c.word)) == c.final);
  }
  // Every state has its own words.
  CHECK(describe_state(JobState::timeout) != describe_state(JobState::out_of_memory));
  CHECK(std::string(state_name(JobState::out_of_memory)) == "out_of_memory");
}

TEST_CASE("pending reasons in plain words") {
  CHECK(explain_pending("Resources").starts_with("waiting for resources"));
  CHECK(explain_pending("Priority").starts_with("waiting for priority"));
  CHECK(explain_pending("QOSMaxJobsPerUserLimit") == "over a QOS limit (QOSMaxJobsPerUserLimit): waiting until earlier jobs finish");
  CHECK(explain_pending("QOSGrpGRES").starts_with("over a QOS limit"));
  CHECK(explain_pending("AssocGrpCpuLimit").starts_with("over an account limit"));
  CHECK(explain_pending("ReqNodeNotAvail, UnavailableNodes:n1").starts_with("node not available"));
  CHECK(explain_pending("JobHeldUser").starts_with("held"));
  CHECK(explain_pending("None") == "waiting to be scheduled");
  CHECK(explain_pending("Dependency") == "waiting for another job to finish");
  CHECK(explain_pending("SomethingNew") == "waiting (Slurm says: SomethingNew)");
}

TEST_CASE("sbatch refusals in a student's words, raw text kept") {
  JobRequest j;
  j.partition = "debug";
  j.gpus = 1;
  j.memory_bytes = 1ull << 40;
  j.cpus = 64;
  j.qos = "vip";
  j.account = "ai101";
  auto r = explain_refusal("sbatch: error: Invalid generic resource (gres) specification\n", j);
  CHECK(r.plain == "this cluster has no GPUs in partition debug (asked for 1)");
  CHECK(r.raw == "sbatch: error: Invalid generic resource (gres) specification");
  CHECK(explain_refusal("sbatch: error: Memory specification can not be satisfied\nsbatch: error: Batch job submission failed: Requested node configuration is not available", j).plain ==
        "asked for more memory (1.0 TiB) than any node in partition debug has");
  CHECK(explain_refusal("sbatch: error: Batch job submission failed: More processors requested than permitted", j).plain ==
        "asked for more CPUs (64) than any node in partition debug has");
  CHECK(explain_refusal("sbatch: error: invalid partition specified: debug\nsbatch: error: Batch job submission failed: Invalid partition name specified", j).plain ==
        "partition debug does not exist on this cluster");
  CHECK(explain_refusal("sbatch: error: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)", j).plain ==
        "asked for more time than debug allows");
  CHECK(explain_refusal("sbatch: error: Batch job submission failed: Invalid qos specification", j).plain.starts_with("QOS 'vip'"));
  CHECK(explain_refusal("sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified", j).plain.starts_with("account 'ai101'"));
  CHECK(explain_refusal("sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (job submit limit, user's size and/or time limits)", j).plain.starts_with("the request is over a limit"));
  auto down = explain_refusal("sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)", j);
  CHECK(down.scheduler_down);
  CHECK(down.plain == "cluster scheduler not responding");
  CHECK(explain_refusal("sbatch: error: Batch job submission failed: Something odd", j).plain == "the cluster refused the task: Something odd");
  CHECK(explain_refusal("", j).plain == "the cluster refused the task without saying why");
}
