#include "lab/worker/metrics_follower.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <unistd.h>
#include <mutex>
#include <thread>

using namespace lab::worker;
using namespace std::chrono_literals;

TEST_CASE("the metrics follower passes whole new lines, and the last partial line at the end") {
  auto dir = std::filesystem::temp_directory_path() / ("lab-metrics-follower-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / ".lab-metrics.jsonl";
  std::filesystem::remove(file);
  std::mutex mu;
  std::vector<std::string> got;
  MetricsFollower f(file, 20ms, [&](std::string line) {
    std::lock_guard lock(mu);
    got.push_back(std::move(line));
  }, nullptr);
  f.start();
  std::this_thread::sleep_for(60ms);  // no file yet: nothing, no error
  {
    std::ofstream out(file, std::ios::app);
    out << "{\"step\": 1}\n{\"step\": 2";
  }
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(20ms);
    std::lock_guard lock(mu);
    if (!got.empty()) break;
  }
  {
    std::lock_guard lock(mu);
    REQUIRE(got == std::vector<std::string>{"{\"step\": 1}\n"});  // the half line waits
  }
  {
    std::ofstream out(file, std::ios::app);
    out << ", \"loss\": 0.5}\n" << std::string(kMaxMetricsLineBytes + 10, 'x') << "\n{\"step\": 3}";
  }
  f.stop();
  CHECK(got == std::vector<std::string>{"{\"step\": 1}\n", "{\"step\": 2, \"loss\": 0.5}\n", "{\"step\": 3}\n"});
  std::filesystem::remove_all(dir);
}
