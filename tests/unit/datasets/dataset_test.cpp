// What a task's datasets are: read from submit_task and the wire, checked, linked in.
#include <lab/datasets/dataset.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>

using namespace lab;
using namespace lab::datasets;
namespace fs = std::filesystem;

namespace {
const std::string kA = "0123456789abcdef0123456789abcdef";
const std::string kB = "fedcba9876543210fedcba9876543210";
}  // namespace

TEST_CASE("datasets from submit_task: names and keys in order, checked") {
  auto ok = uses_from_submit({"cifar", "imagenet-mini"}, {"datasets/" + kA + "/", "datasets/" + kB + "/"});
  REQUIRE(ok);
  CHECK(*ok == std::vector<Use>{{"cifar", kA}, {"imagenet-mini", kB}});
  CHECK(uses_from_submit({}, {})->empty());

  auto lengths = uses_from_submit({"cifar"}, {});
  REQUIRE_FALSE(lengths);
  CHECK(lengths.error().message.find("names 1 dataset(s) but the proxy sent 0") != std::string::npos);
  auto name = uses_from_submit({"../x"}, {"datasets/" + kA + "/"});
  REQUIRE_FALSE(name);
  CHECK(name.error().message.find("'../x' is not a simple word") != std::string::npos);
  auto key = uses_from_submit({"cifar"}, {"projects/blobs/" + kA});
  REQUIRE_FALSE(key);
  CHECK(key.error().message.find("not a dataset folder") != std::string::npos);
  CHECK_FALSE(uses_from_submit({"cifar", "cifar"}, {"datasets/" + kA + "/", "datasets/" + kA + "/"}));
  CHECK_FALSE(uses_from_submit({".hidden"}, {"datasets/" + kA + "/"}));

  nlohmann::json spec = {{"files", {{"datasets", {"a", "b"}}}}};
  CHECK(names_in_spec(spec) == std::vector<std::string>{"a", "b"});
  CHECK(names_in_spec(nlohmann::json::object()).empty());
}

TEST_CASE("datasets on the wire: round trip, null is none, bad entries named") {
  std::vector<Use> uses{{"cifar", kA}};
  auto back = uses_from_json(to_json(uses));
  REQUIRE(back);
  CHECK(*back == uses);
  CHECK(uses_from_json(nlohmann::json())->empty());
  CHECK_FALSE(uses_from_json(nlohmann::json::parse(R"([{"name": "x/y", "hash": ")" + kA + "\"}]")));
  CHECK_FALSE(uses_from_json(nlohmann::json::parse(R"([{"name": "x", "hash": "zz"}])")));
  CHECK_FALSE(uses_from_json(nlohmann::json::parse(R"({"name": "x"})")));
}

TEST_CASE("link_into: datasets/<name> is a symlink to the copy; the project's own path is refused") {
  auto dir = fs::temp_directory_path() / ("lab-dataset-link-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "cache" / kA);
  std::ofstream(dir / "cache" / kA / "a.txt") << "a";
  fs::create_directories(dir / "task");
  REQUIRE(link_into(dir / "task", {"cifar", kA}, dir / "cache" / kA));
  CHECK(fs::is_symlink(dir / "task" / "datasets" / "cifar"));
  CHECK(fs::read_symlink(dir / "task" / "datasets" / "cifar") == dir / "cache" / kA);
  CHECK(fs::exists(dir / "task" / "datasets" / "cifar" / "a.txt"));

  auto twice = link_into(dir / "task", {"cifar", kA}, dir / "cache" / kA);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == Errc::conflict);
  CHECK(twice.error().message.find("the project has its own 'datasets/cifar'") != std::string::npos);

  fs::create_directories(dir / "task2");
  std::ofstream(dir / "task2" / "datasets") << "a file";
  auto file = link_into(dir / "task2", {"cifar", kA}, dir / "cache" / kA);
  REQUIRE_FALSE(file);
  CHECK(file.error().code == Errc::conflict);

  // Removing the task folder removes the link, never the copy.
  fs::remove_all(dir / "task");
  CHECK(fs::exists(dir / "cache" / kA / "a.txt"));
  fs::remove_all(dir);
}
