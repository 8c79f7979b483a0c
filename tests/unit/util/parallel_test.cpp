#include <lab/util/parallel.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace lab;

TEST_CASE("util::parallel_for runs every step once, on several threads") {
  std::vector<std::atomic<int>> runs(500);
  std::atomic<int> now{0}, most{0};
  auto r = util::parallel_for(runs.size(), 4, [&](std::size_t i) -> Result<void> {
    int n = ++now;
    for (int m = most; n > m && !most.compare_exchange_weak(m, n);) {}
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    ++runs[i];
    --now;
    return {};
  });
  CHECK(r);
  for (const auto& n : runs) CHECK(n == 1);
  CHECK(most > 1);
  CHECK(most <= 4);
  CHECK(util::parallel_for(0, 4, [](std::size_t) -> Result<void> { return fail(Errc::internal, "never"); }));
}

TEST_CASE("util::parallel_for stops at the first failure and returns it") {
  std::atomic<int> started{0};
  auto r = util::parallel_for(10'000, 3, [&](std::size_t i) -> Result<void> {
    ++started;
    if (i == 5) return fail(Errc::not_found, "step 5 failed");
    return {};
  });
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::not_found);
  CHECK(r.error().message == "step 5 failed");
  CHECK(started < 10'000);
}
