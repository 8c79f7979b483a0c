#include "envs_fixture.hpp"

#include <lab/envs/prepare.hpp>

using namespace lab;
using namespace lab::envs;
using namespace envs_test;

namespace {

// The notes and reasons prepare_task_env reports, as one text each.
struct Hooks {
  std::mutex mu;
  std::string notes, reasons;
  PrepareHooks make() {
    return {[this](const std::string& t) {
              std::lock_guard lock(mu);
              notes += t + "\n";
            },
            [this](const std::string& r) {
              std::lock_guard lock(mu);
              reasons += r + "\n";
            }};
  }
};

}  // namespace

TEST_CASE("prepare_task_env: builds once, reuses after, and says which in the task's log") {
  Fixture f;
  f.wheel("labalpha", "1.0");
  Builder b(f.options());
  fs::path p1 = f.project("p1", "labalpha==1.0\n");
  fs::path p2 = f.project("p2", "# the same pin, commented\n  labalpha==1.0  \n\n");

  Hooks first;
  TaskEnv a = prepare_task_env(b, p1, {}, first.make());
  REQUIRE_MESSAGE(a.failure.empty(), a.failure);
  CHECK(a.needed);
  CHECK(a.lease.built());
  CHECK(!a.lease.system());
  CHECK(first.reasons == "preparing: building environment\n");
  CHECK(first.notes.find("preparing: environment " + a.key.substr(0, 12) + " for requirements.txt") != std::string::npos);
  CHECK(first.notes.find("env: $ ") != std::string::npos);  // the build's command lines, as they ran
  CHECK(first.notes.find("env: Successfully installed labalpha-1.0") != std::string::npos);
  CHECK(first.notes.find("environment " + a.key.substr(0, 12) + " built\n") != std::string::npos);
  CHECK(run_in(a.lease.root(), "import labalpha; print(labalpha.__version__)") == "1.0");

  Hooks second;
  TaskEnv c = prepare_task_env(b, p2, {}, second.make());
  REQUIRE_MESSAGE(c.failure.empty(), c.failure);
  CHECK(c.key == a.key);
  CHECK(!c.lease.built());
  CHECK(c.lease.root() == a.lease.root());
  CHECK(second.notes.find("ready (already built on this machine)") != std::string::npos);
  CHECK(second.notes.find("env: $ ") == std::string::npos);
  CHECK(b.stats().builds_started == 1);
}

TEST_CASE("prepare_task_env: a broken requirement fails with pip's words, and nothing is kept") {
  Fixture f;
  f.wheel("labalpha", "1.0");
  Builder b(f.options());
  fs::path p = f.project("p", "labalpha==9.9\n");
  for (int attempt = 0; attempt < 2; ++attempt) {
    Hooks h;
    TaskEnv t = prepare_task_env(b, p, {}, h.make());
    CHECK(t.needed);
    CHECK(t.failure.find("building the Python environment") != std::string::npos);
    CHECK(t.failure.find("No matching distribution found for labalpha==9.9") != std::string::npos);
    CHECK(h.notes.find("No matching distribution found for labalpha==9.9") != std::string::npos);
  }
  CHECK(b.stats().builds_failed == 2);  // the failure was not cached: the second task built again
  auto listed = b.list();
  REQUIRE(listed);
  CHECK(listed->empty());
}

TEST_CASE("prepare_task_env: a standard-library project and a bad Python version") {
  Fixture f;
  Builder b(f.options());
  fs::path p = f.root / "plain";
  write(p / "train.py", "import os, json\n");
  Hooks h;
  TaskEnv t = prepare_task_env(b, p, {}, h.make());
  CHECK(t.failure.empty());
  CHECK(!t.needed);
  CHECK(t.lease.system());
  CHECK(h.notes.empty());
  CHECK(h.reasons.empty());

  config::Environment env;
  env.python = "python3.eleven";
  TaskEnv bad = prepare_task_env(b, p, env, h.make());
  CHECK(bad.failure.find("cannot work out the task's Python environment") != std::string::npos);
  CHECK(b.stats().builds_started == 0);
}
