#include <doctest/doctest.h>
#include <lab/envs/builder.hpp>

using namespace lab;

TEST_CASE("remote.toml's [environments] section becomes the Builder's options") {
  auto c = config::parse_remote(R"(
[transport]
url = "http://proxy:8801"
token = "t"
[storage]
type = "s3"
endpoint = "http://127.0.0.1:9000"
bucket = "lab"
access_key = "AK"
secret_key = "SK"
[database]
path = "remote.db"
[paths]
envs_dir = "envs"
tasks_dir = "tasks"
cache_dir = "cache"
[executor]
type = "slurm"
[environments]
wheelhouse = "wheels"
max_size_gb = 1.5
python = "/opt/python3.11/bin/python3"
build_timeout_s = 900
)", "remote.toml", "/srv/lab");
  REQUIRE_MESSAGE(c, (c ? "" : c.error().front().str()));
  auto o = envs::builder_options(*c);
  CHECK(o.envs_dir == "/srv/lab/envs");
  CHECK(o.wheelhouse == std::filesystem::path("/srv/lab/wheels"));
  CHECK_FALSE(o.index_url);
  CHECK(o.max_bytes == 1'500'000'000);
  CHECK(o.python == "/opt/python3.11/bin/python3");
  CHECK(o.build_timeout == std::chrono::seconds(900));
}
