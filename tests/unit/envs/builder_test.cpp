#include "envs_fixture.hpp"

#include <lab/envs/key.hpp>

#include <thread>

using namespace lab;
using namespace lab::envs;
using namespace envs_test;
using namespace std::chrono_literals;

namespace {

EnvKey key_of(const fs::path& project, const config::Environment& env = {}) {
  auto k = compute_key(project, env);
  REQUIRE_MESSAGE(k, (k ? "" : k.error().message));
  return *k;
}

}  // namespace

TEST_CASE("two tasks with the same requirements build one environment and share its output") {
  Fixture f;
  f.wheel("labalpha", "1.0");
  f.wheel("labbeta", "2.0", "labalpha>=1.0");
  fs::path project = f.project("p1", "labbeta==2.0\n");
  f.wheel("labgamma", "0.1", "", project / "wheels");
  config::Environment env;
  env.extra_wheels = {"wheels/labgamma-0.1-py3-none-any.whl"};
  EnvKey key = key_of(project, env);
  Builder b(f.options());

  Log log_a, log_b;
  std::optional<Result<EnvLease>> a, c;
  std::thread first([&] { a = b.ensure(key, project, log_a.sink()); });
  while (b.tasks_waiting(key.hex) == 0 && !a) std::this_thread::sleep_for(1ms);
  std::thread second([&] { c = b.ensure(key, project, log_b.sink()); });
  std::string reason;
  for (int i = 0; i < 20'000 && !c; ++i) {
    if (b.tasks_waiting(key.hex) == 2) {
      reason = b.wait_reason(key.hex);
      break;
    }
    std::this_thread::sleep_for(1ms);
  }
  first.join();
  second.join();
  REQUIRE(*a);
  REQUIRE(*c);
  CHECK(reason == "preparing: building environment (shared with 1 other task)");
  CHECK(b.stats().builds_started == 1);
  CHECK(b.stats().builds_succeeded == 1);
  CHECK((*a)->root() == (*c)->root());
  CHECK((*a)->built() != (*c)->built());
  // The waiting task's log has the build output too (replayed from the start).
  CHECK(log_a.has("Successfully installed"));
  CHECK(log_b.has("Successfully installed"));
  CHECK(log_b.has("building environment " + key.hex));
  CHECK(run_in((*a)->root(), "import labalpha, labbeta, labgamma, sys; print(labalpha.__version__, labbeta.__version__, "
                             "labgamma.__version__, sys.prefix == sys.base_prefix)") == "1.0 2.0 0.1 False");

  // Later: cached, no build, and another Builder on the same folder finds it as well.
  Log log_d;
  auto d = b.ensure(key, project, log_d.sink());
  REQUIRE(d);
  CHECK_FALSE(d->built());
  CHECK(log_d.has("using the cached environment"));
  CHECK(b.stats().builds_started == 1);
  Builder other(f.options());
  auto e = other.ensure(key, project, {});
  REQUIRE(e);
  CHECK(other.stats().builds_started == 0);
  CHECK(e->root() == d->root());
  CHECK(fs::exists(e->root().parent_path() / "lab-env.json"));
  CHECK(b.tasks_waiting(key.hex) == 0);
}

TEST_CASE("a changed pin builds a new environment beside the old one") {
  Fixture f;
  f.wheel("labalpha", "1.0");
  f.wheel("labalpha", "1.1");
  fs::path project = f.project("p", "labalpha==1.0\n");
  Builder b(f.options());
  auto old_key = key_of(project);
  auto first = b.ensure(old_key, project, {});
  REQUIRE(first);
  write(project / "requirements.txt", "labalpha==1.1\n");
  auto new_key = key_of(project);
  REQUIRE(new_key.hex != old_key.hex);
  auto second = b.ensure(new_key, project, {});
  REQUIRE(second);
  CHECK(b.stats().builds_started == 2);
  CHECK(first->root() != second->root());
  CHECK(run_in(first->root(), "import labalpha; print(labalpha.__version__)") == "1.0");
  CHECK(run_in(second->root(), "import labalpha; print(labalpha.__version__)") == "1.1");

  // The first key's inputs changed under it: staging notices instead of building a wrong env.
  auto stale = Builder(f.options("envs2")).ensure(old_key, project, {});
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == Errc::conflict);
}

TEST_CASE("a broken requirement fails with pip's message in the log, caches nothing, and the next task retries") {
  Fixture f;
  fs::path project = f.project("p", "labalpha==1.0\n");
  auto key = key_of(project);
  Builder b(f.options());
  Log log;
  auto broken = b.ensure(key, project, log.sink());  // the wheelhouse does not have it yet
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code == Errc::io);
  CHECK(broken.error().message.find("pip install failed") != std::string::npos);
  CHECK(broken.error().message.find("No matching distribution found for labalpha==1.0") != std::string::npos);
  CHECK(log.has("ERROR: No matching distribution found for labalpha==1.0"));
  CHECK(b.stats().builds_failed == 1);
  CHECK(b.list()->empty());
  CHECK_FALSE(fs::exists(f.root / "envs" / key.hex));
  CHECK(fs::is_empty(f.root / "envs" / "builds"));

  f.wheel("labalpha", "1.0");
  auto fixed = b.ensure(key, project, {});
  REQUIRE_MESSAGE(fixed, (fixed ? "" : fixed.error().message));
  CHECK(fixed->built());
  CHECK(b.stats().builds_started == 2);
}

TEST_CASE("a project without requirements gets the packages guessed from its imports") {
  Fixture f;
  f.wheel("labalpha", "1.0");
  fs::path project = f.root / "guess";
  write(project / "train.py", "import os\nimport labalpha\nfrom . import nothing\nimport helpers\n");
  write(project / "helpers.py", "import json\n");
  auto key = key_of(project);
  CHECK(key.source == Source::guessed);
  CHECK(describe_guess(key.guess).find("labalpha") != std::string::npos);
  Builder b(f.options());
  auto lease = b.ensure(key, project, {});
  REQUIRE_MESSAGE(lease, (lease ? "" : lease.error().message));
  CHECK(run_in(lease->root(), "import labalpha; print(labalpha.__version__)") == "1.0");
}

TEST_CASE("nothing to install runs on the cluster's Python; a missing Python version is refused plainly") {
  Fixture f;
  fs::path project = f.root / "plain";
  write(project / "main.py", "import os\n");
  Builder b(f.options());
  auto lease = b.ensure(key_of(project), project, {});
  REQUIRE(lease);
  CHECK(lease->system());
  CHECK(b.stats().builds_started == 0);

  config::Environment env;
  env.python = "3.99";
  auto missing = b.ensure(key_of(project, env), project, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::unsupported);
  CHECK(missing.error().message.find("Python 3.99 is not installed") != std::string::npos);
  CHECK(b.list()->empty());
}

TEST_CASE("activation puts the environment first on PATH for workers and batch scripts") {
  auto env = activation_env("/envs/abc/env", "/usr/bin:/bin");
  CHECK(env["VIRTUAL_ENV"] == "/envs/abc/env");
  CHECK(env["PATH"] == "/envs/abc/env/bin:/usr/bin:/bin");
  CHECK(env.contains("PYTHONHOME"));
  CHECK(activation_env({}, "/usr/bin").empty());
  std::string script = activation_script("/envs/it's/env");
  CHECK(script.find("export VIRTUAL_ENV='/envs/it'\\''s/env'\n") == 0);
  CHECK(script.find("export PATH=\"$VIRTUAL_ENV/bin:$PATH\"") != std::string::npos);
  CHECK(building_reason(1) == "preparing: building environment");
  CHECK(building_reason(4) == "preparing: building environment (shared with 3 other tasks)");
}
