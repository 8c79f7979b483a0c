// Not a test: the environment benchmark, run by bench/envs.sh (skipped in normal runs).
#include "envs_fixture.hpp"

#include <lab/envs/key.hpp>

#include <algorithm>
#include <cstdio>

using namespace lab;
using namespace lab::envs;
using namespace envs_test;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("bench: envs ready: cached vs built vs venv+pip by hand" * doctest::skip()) {
  int runs = std::getenv("LAB_BENCH_RUNS") ? std::atoi(std::getenv("LAB_BENCH_RUNS")) : 5;
  Fixture f;
  f.wheel("labalpha", "1.0");
  f.wheel("labbeta", "2.0", "labalpha>=1.0");
  f.wheel("labgamma", "0.3");
  fs::path project = f.project("p", "labbeta==2.0\nlabgamma==0.3\n");
  std::vector<double> cached, built, by_hand;
  for (int i = 0; i < runs; ++i) {
    // Built: a fresh envs folder, so the key must be built.
    auto t0 = std::chrono::steady_clock::now();
    {
      Builder b(f.options("envs-" + std::to_string(i)));
      auto key = compute_key(project, {});
      REQUIRE(key);
      auto lease = b.ensure(*key, project, {});
      REQUIRE(lease);
      REQUIRE(lease->built());
    }
    built.push_back(ms_since(t0));
    // Cached: a new Builder (as after a restart) on the folder that now holds it.
    t0 = std::chrono::steady_clock::now();
    {
      Builder b(f.options("envs-" + std::to_string(i)));
      auto key = compute_key(project, {});
      REQUIRE(key);
      auto lease = b.ensure(*key, project, {});
      REQUIRE(lease);
      REQUIRE_FALSE(lease->built());
    }
    cached.push_back(ms_since(t0));
    // By hand: what a student would type, with the same wheels.
    fs::path venv = f.root / ("hand-" + std::to_string(i));
    t0 = std::chrono::steady_clock::now();
    auto [rc, out] = shell("python3 -m venv '" + venv.string() + "' && '" + venv.string() +
                           "/bin/python' -m pip install -q --disable-pip-version-check --no-index --find-links '" +
                           f.wheelhouse.string() + "' -r '" + (project / "requirements.txt").string() + "'");
    by_hand.push_back(ms_since(t0));
    REQUIRE_MESSAGE(rc == 0, out);
  }
  std::printf("envs benchmark, %d runs each, medians:\n", runs);
  std::printf("  cached environment (key + lease)      %9.1f ms\n", median(cached));
  std::printf("  environment built (key + venv + pip)  %9.1f ms\n", median(built));
  std::printf("  by hand (python3 -m venv + pip)       %9.1f ms\n", median(by_hand));
  CHECK(median(cached) < 1000);
}
