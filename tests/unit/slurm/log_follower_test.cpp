#include <doctest/doctest.h>

#include <lab/slurm/log_follower.hpp>

#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using lab::slurm::LogFollower;

TEST_CASE("the follower hands on only new bytes, before and after the file exists") {
  auto dir = fs::temp_directory_path() / ("lab-follow-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  LogFollower f(dir / "out.log");
  CHECK(f.read_new().value().empty());  // not there yet
  std::ofstream(dir / "out.log") << "one\ntw";
  CHECK(f.read_new().value() == "one\ntw");
  CHECK(f.read_new().value().empty());
  std::ofstream(dir / "out.log", std::ios::app) << "o\nthree\n";
  CHECK(f.read_new(3).value() == "o\nt");  // capped chunk
  CHECK(f.read_rest().value() == "hree\n");
  CHECK(f.offset() == 14);
  std::ofstream(dir / "out.log", std::ios::trunc) << "again\n";  // requeued: started over
  CHECK(f.read_new().value() == "again\n");
  fs::remove_all(dir);
}
