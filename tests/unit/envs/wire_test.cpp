#include <doctest/doctest.h>

#include <lab/envs/wire.hpp>

using namespace lab;
using namespace lab::envs;
using nlohmann::json;

TEST_CASE("wire: a task's [environment] survives the trip to a worker") {
  config::Environment env;
  env.python = "3.11";
  env.requirements = "reqs/base.txt";
  env.extra_wheels = {"wheels/a-1.0-py3-none-any.whl"};
  auto back = environment_from_json(json::parse(environment_to_json(env).dump()));
  REQUIRE(back);
  CHECK(back->python == env.python);
  CHECK(back->requirements == env.requirements);
  CHECK(back->extra_wheels == env.extra_wheels);

  auto empty = environment_from_json(json());
  REQUIRE(empty);
  CHECK(!empty->python);
  CHECK(empty->extra_wheels.empty());

  auto bad = environment_from_json(json{{"extra_wheels", "a.whl"}});
  REQUIRE(!bad);
  CHECK(bad.error().code == Errc::corrupt);
  CHECK(bad.error().message.find("extra_wheels") != std::string::npos);
  CHECK(!environment_from_json(json{{"python", 3.11}}));
}

TEST_CASE("wire: remote.toml's [environments] become a worker's Builder options") {
  config::RemoteEnvironments e;
  e.index_url = "https://mirror.example/simple";
  e.wheelhouse = "/shared/wheels";
  e.max_size_gb = 1.5;
  e.python = "python3.11";
  e.build_timeout_s = 600;
  auto o = options_from_json(sources_to_json(e), "/work/envs");
  REQUIRE(o);
  CHECK(o->envs_dir == "/work/envs");
  CHECK(o->index_url == e.index_url);
  CHECK(o->wheelhouse == std::filesystem::path("/shared/wheels"));
  CHECK(o->max_bytes == 1'500'000'000u);
  CHECK(o->python == "python3.11");
  CHECK(o->build_timeout == std::chrono::seconds(600));

  auto defaults = options_from_json(json::object(), "/w");
  REQUIRE(defaults);
  CHECK(!defaults->wheelhouse);
  CHECK(defaults->max_bytes == 0);
  CHECK(!options_from_json(json{{"build_timeout_s", "1h"}}, "/w"));
  CHECK(!options_from_json(json{{"max_size_gb", -1}}, "/w"));
}
