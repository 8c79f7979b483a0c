#include <doctest/doctest.h>
#include <lab/remote/pool_scheduler.hpp>

using namespace lab::remote;

namespace {
Demand task(const char* id, int cpus = 1, int gpus = 0, bool high = false, std::uint64_t mem = 1 << 20) {
  return Demand{id, "alice", high, cpus, mem, gpus};
}
Free free_of(int cpus, std::vector<int> gpus = {}, std::uint64_t mem = 1ull << 34, int slots = 1) {
  return Free{slots, cpus, mem, std::move(gpus)};
}
}  // namespace

TEST_CASE("first come first served within a priority class; high goes first") {
  PoolScheduler s;
  s.enqueue(task("a"));
  s.enqueue(task("b"));
  s.enqueue(task("h1", 1, 0, true));
  s.enqueue(task("c"));
  s.enqueue(task("h2", 1, 0, true));
  std::vector<std::string> got;
  while (auto p = s.place(free_of(8))) got.push_back(p->task_id);
  CHECK(got == std::vector<std::string>{"h1", "h2", "a", "b", "c"});
}

TEST_CASE("a task that does not fit is skipped for one that does (backfill)") {
  PoolScheduler s;
  s.enqueue(task("big", 8));
  s.enqueue(task("small", 1));
  auto p = s.place(free_of(2));
  REQUIRE(p);
  CHECK(p->task_id == "small");
  CHECK(s.queued("big"));
  CHECK_FALSE(s.place(free_of(2)));
  CHECK(s.place(free_of(8))->task_id == "big");
}

TEST_CASE("GPUs are assigned by the lowest free indices, and counted") {
  PoolScheduler s;
  s.enqueue(task("two-gpus", 1, 2));
  CHECK_FALSE(s.place(free_of(4, {3})));
  auto p = s.place(free_of(4, {5, 1, 3}));
  REQUIRE(p);
  CHECK(p->gpus == std::vector<int>{1, 3});
}

TEST_CASE("no free slot, memory short: nothing is placed") {
  PoolScheduler s;
  s.enqueue(task("t", 1, 0, false, 4ull << 30));
  CHECK_FALSE(s.place(free_of(4, {}, 1ull << 30)));
  CHECK_FALSE(s.place(Free{0, 4, 8ull << 30, {}}));
  CHECK(s.place(free_of(4, {}, 8ull << 30)));
}

TEST_CASE("enqueue is idempotent and remove forgets") {
  PoolScheduler s;
  s.enqueue(task("a"));
  s.enqueue(task("a"));
  CHECK(s.size() == 1);
  s.remove("a");
  s.remove("unknown");
  CHECK(s.size() == 0);
  CHECK_FALSE(s.position("a"));
}

TEST_CASE("wait reasons say, in plain words, why a task waits") {
  PoolScheduler s;
  std::vector<WorkerCapacity> two{{"w1", "gpu-a", 1, 4, 1ull << 34, {0, 1}}, {"w2", "gpu-b", 1, 4, 1ull << 34, {0, 1}}};
  std::map<std::string, Free> none_free{{"w1", Free{0, 0, 0, {}}}, {"w2", Free{0, 0, 0, {}}}};
  for (const char* id : {"a", "b", "c", "mine"}) s.enqueue(task(id));
  CHECK(s.wait_reason("mine", two, none_free) == "queued: 3 tasks ahead of yours, both workers busy");
  CHECK(s.wait_reason("a", two, none_free) == "queued: next in line, both workers busy");
  CHECK(s.wait_reason("mine", {}, {}) == "queued: no workers are connected; the task starts when one connects");
  CHECK(s.wait_reason("mine", {two[0]}, none_free) == "queued: 3 tasks ahead of yours, the only worker is busy");
  CHECK(s.wait_reason("nope", two, none_free).empty());

  s.enqueue(task("huge", 1, 4));
  CHECK(s.wait_reason("huge", two, none_free) ==
        "queued: no connected worker has 4 GPUs (the largest has 2); it waits until such a worker connects");
  s.enqueue(task("wide", 16));
  CHECK(s.wait_reason("wide", two, none_free).find("no connected worker has 16 CPUs (the largest has 4)") !=
        std::string::npos);
}
