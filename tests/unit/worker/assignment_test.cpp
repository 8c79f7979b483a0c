#include <doctest/doctest.h>
#include "lab/worker/assignment.hpp"

using namespace lab;
using namespace lab::worker;
using nlohmann::json;

TEST_CASE("an assignment is read with its defaults, and its key names the task folder") {
  auto a = parse_assignment(json{{"task_id", "t-261130-0007"}, {"attempt", 2}, {"command", "python3 train.py"},
                                 {"env", {{"A", "1"}}}, {"gpus", {0, 3}}, {"cpus", 4},
                                 {"memory_bytes", 1 << 30}, {"time_limit_s", 600}});
  REQUIRE_MESSAGE(a, a.error().message);
  CHECK(a->key() == "t-261130-0007-2");
  CHECK(a->env.at("A") == "1");
  CHECK(a->gpus == std::vector<int>{0, 3});
  CHECK(a->cpus == 4);
  CHECK(a->memory_bytes == 1u << 30);
  CHECK(a->time_limit_s == 600);
  CHECK(a->download == std::vector<std::string>{"outputs/"});
  CHECK(a->problem.empty());
}

TEST_CASE("a task id that could leave the work folder is refused outright") {
  for (const char* bad : {"../etc", "a/b", "..", ".", "", "t 1"}) {
    auto a = parse_assignment(json{{"task_id", bad}, {"attempt", 0}, {"command", "true"}});
    CHECK_MESSAGE(!a, bad);
  }
  CHECK_FALSE(parse_assignment(json{{"task_id", "t-1"}, {"attempt", -1}, {"command", "true"}}));
  CHECK_FALSE(parse_assignment(json::array()));
}

TEST_CASE("other unreadable fields become the task's problem, so it can be reported") {
  auto a = parse_assignment(json{{"task_id", "t-1"}, {"attempt", 1}, {"command", "true"}, {"gpus", "0,1"}});
  REQUIRE(a);
  CHECK(a->problem.find("'gpus'") != std::string::npos);
  auto b = parse_assignment(json{{"task_id", "t-1"}, {"attempt", 1}});
  REQUIRE(b);
  CHECK(b->problem.find("'command'") != std::string::npos);
}

TEST_CASE("free capacity is the offer less what running tasks use") {
  Capacity offered{3, 8, 32ull << 30, {0, 1, 2, 3}};
  Assignment x, y;
  x.cpus = 2;
  x.memory_bytes = 8ull << 30;
  x.gpus = {1};
  y.cpus = 7;
  y.memory_bytes = 40ull << 30;
  y.gpus = {3};
  auto one = free_capacity(offered, {&x});
  CHECK(one.slots == 2);
  CHECK(one.cpus == 6);
  CHECK(one.memory_bytes == 24ull << 30);
  CHECK(one.gpus == std::vector<int>{0, 2, 3});
  auto both = free_capacity(offered, {&x, &y});
  CHECK(both.slots == 1);
  CHECK(both.cpus == 0);
  CHECK(both.memory_bytes == 0);
  CHECK(both.gpus == std::vector<int>{0, 2});
  CHECK(to_json(both) == json{{"slots", 1}, {"cpus", 0}, {"memory_bytes", 0}, {"gpus", {0, 2}}});
}

TEST_CASE("an assignment carries the task's [environment] and where packages come from") {
  auto a = parse_assignment(json{{"task_id", "t-1"}, {"attempt", 1}, {"command", "python train.py"},
                                 {"environment", {{"python", "3.11"}, {"extra_wheels", {"w/x-1.0-py3-none-any.whl"}}}},
                                 {"environments", {{"wheelhouse", "/shared/wheels"}}}});
  REQUIRE(a);
  CHECK(a->problem.empty());
  CHECK(a->environment.python == "3.11");
  CHECK(a->environment.extra_wheels == std::vector<std::string>{"w/x-1.0-py3-none-any.whl"});
  CHECK(a->environments.at("wheelhouse") == "/shared/wheels");
  auto bad = parse_assignment(json{{"task_id", "t-1"}, {"attempt", 1}, {"command", "true"},
                                   {"environment", {{"requirements", 7}}}});
  REQUIRE(bad);
  CHECK(bad->problem.find("'requirements'") != std::string::npos);
}
