#include <doctest/doctest.h>
#include <lab/client/pull.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "unit/client/fake_proxy.hpp"

using namespace lab;
using lab::testing::FakeProxy;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("pull: result paths that would escape the folder are refused") {
  for (std::string bad : {"../evil.txt", "/etc/passwd", "outputs/../../x", "a//b", "", "./a", "outputs/.."}) {
    auto r = client::result_destination("/tmp/dest", bad);
    CHECK_MESSAGE(!r, bad);
    if (!r) CHECK(r.error().message.starts_with("refusing result path"));
  }
  auto ok = client::result_destination("/tmp/dest", "outputs/metrics.json");
  REQUIRE(ok);
  CHECK(*ok == fs::path("/tmp/dest/outputs/metrics.json"));
  CHECK(client::result_destination("/tmp/dest", "a..b/c..")) ;  // dots inside names are fine
}

TEST_CASE("pull: globs select by path, and a folder name selects what is below it") {
  CHECK(client::selected({}, "anything/at/all"));
  CHECK(client::selected({"outputs"}, "outputs/m.json"));
  CHECK(client::selected({"outputs/"}, "outputs/deep/m.json"));
  CHECK(client::selected({"outputs/*.json"}, "outputs/m.json"));
  CHECK_FALSE(client::selected({"outputs/*.json"}, "outputs/deep/m.json"));
  CHECK(client::selected({"**/*.pt"}, "outputs/deep/model.pt"));
  CHECK_FALSE(client::selected({"outputs"}, "outputs2/m.json"));
}

TEST_CASE("pull: downloads the selected files into the folder and never writes outside it") {
  fs::path base = fs::temp_directory_path() / ("lab-pull-test-" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::path dest = base / "dest";
  FakeProxy fake;
  fake.results = {{"outputs/metrics.json", "{\"loss\": 0.1}"},
                  {"outputs/model.pt", std::string(300000, 'w')},
                  {"../evil.txt", "pwned"},
                  {"/tmp/abs-evil.txt", "pwned"},
                  {"logs/train.txt", "log"}};
  fake.start();
  auto c = client::ProxyClient::create(fake.url(), "tok");
  REQUIRE(c);
  client::PullOptions opt;
  opt.dir = dest;
  std::vector<std::string> announced;
  opt.on_file = [&](const client::ResultFile& f, const fs::path&) { announced.push_back(f.path); };
  auto s = client::pull_results(**c, "t-1", opt);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  CHECK(s->pulled.size() == 3);
  CHECK(s->refused.size() == 2);
  CHECK(announced.size() == 3);
  CHECK(read(dest / "outputs/metrics.json") == "{\"loss\": 0.1}");
  CHECK(read(dest / "outputs/model.pt") == std::string(300000, 'w'));
  CHECK(read(dest / "logs/train.txt") == "log");
  CHECK_FALSE(fs::exists(base / "evil.txt"));
  CHECK_FALSE(fs::exists("/tmp/abs-evil.txt"));
  for (const auto& e : fs::recursive_directory_iterator(dest))
    CHECK_MESSAGE(e.path().string().find(".lab-part-") == std::string::npos, e.path());

  // Only what the globs select.
  fs::remove_all(dest);
  opt.globs = {"outputs/*.json"};
  auto only = client::pull_results(**c, "t-1", opt);
  REQUIRE(only);
  CHECK(only->pulled.size() == 1);
  CHECK(fs::exists(dest / "outputs/metrics.json"));
  CHECK_FALSE(fs::exists(dest / "outputs/model.pt"));
  fs::remove_all(base);
}

TEST_CASE("pull: a folder in the way that is a symlink is not followed out of the target") {
  fs::path base = fs::temp_directory_path() / ("lab-pull-link-test-" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "dest");
  fs::create_directories(base / "elsewhere");
  fs::create_directory_symlink(base / "elsewhere", base / "dest" / "outputs");
  FakeProxy fake;
  fake.results = {{"outputs/m.json", "x"}, {"ok.txt", "y"}};
  fake.start();
  auto c = client::ProxyClient::create(fake.url(), "tok");
  REQUIRE(c);
  client::PullOptions opt;
  opt.dir = base / "dest";
  auto s = client::pull_results(**c, "t-1", opt);
  REQUIRE(s);
  CHECK(s->pulled.size() == 1);
  REQUIRE(s->refused.size() == 1);
  CHECK(s->refused[0].find("is a symbolic link") != std::string::npos);
  CHECK_FALSE(fs::exists(base / "elsewhere" / "m.json"));
  CHECK(read(base / "dest" / "ok.txt") == "y");
  fs::remove_all(base);
}

TEST_CASE("pull: with more connections, small files download at once and large ones one by one") {
  fs::path base = fs::temp_directory_path() / ("lab-pull-many-test-" + std::to_string(::getpid()));
  fs::remove_all(base);
  FakeProxy fake;
  for (int i = 0; i < 200; ++i) fake.results["outputs/" + std::to_string(i / 50) + "/f" + std::to_string(i)] = "small " + std::to_string(i);
  fake.results["outputs/model.pt"] = std::string(client::kPullSmallFileBytes + 10, 'm');
  fake.start();
  auto c = client::ProxyClient::create(fake.url(), "tok");
  REQUIRE(c);
  client::PullOptions opt;
  opt.dir = base;
  std::atomic<int> opened{0};
  opt.connect = [&]() {
    ++opened;
    return client::ProxyClient::create(fake.url(), "tok");
  };
  std::vector<std::string> progressed;  // files that reported progress
  std::string current;
  opt.on_file = [&](const client::ResultFile& f, const fs::path&) { current = f.path; };
  opt.progress = [&](std::uint64_t) {
    if (progressed.empty() || progressed.back() != current) progressed.push_back(current);
  };
  auto s = client::pull_results(**c, "t-1", opt);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  CHECK(s->pulled.size() == 201);
  for (const auto& [path, content] : fake.results) CHECK_MESSAGE(read(base / path) == content, path);
  CHECK(opened <= client::kPullConnections - 1);
  CHECK(progressed == std::vector<std::string>{"outputs/model.pt"});
  for (const auto& e : fs::recursive_directory_iterator(base))
    CHECK_MESSAGE(e.path().string().find(".lab-part-") == std::string::npos, e.path());
  fs::remove_all(base);
}
