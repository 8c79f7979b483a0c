#include <doctest/doctest.h>
#include "lab/worker/results.hpp"

#include <lab/archive/archive.hpp>

#include <unistd.h>

#include <fstream>

using namespace lab;
using namespace lab::worker;
namespace fs = std::filesystem;

TEST_CASE("download globs take folders, top-level names and deep patterns") {
  std::vector<std::string> outputs{"outputs/"};
  CHECK(matches_download(outputs, "outputs/a.txt"));
  CHECK(matches_download(outputs, "outputs/deep/er/b.bin"));
  CHECK_FALSE(matches_download(outputs, "outputs"));  // a file named like the folder
  CHECK_FALSE(matches_download(outputs, "src/outputs/a.txt"));
  CHECK_FALSE(matches_download(outputs, "outputs2/a.txt"));
  std::vector<std::string> mixed{"./logs/*.txt", "*.json", "**/*.pt", "ckpt"};
  CHECK(matches_download(mixed, "logs/run.txt"));
  CHECK_FALSE(matches_download(mixed, "logs/sub/run.txt"));
  CHECK(matches_download(mixed, "metrics.json"));
  CHECK_FALSE(matches_download(mixed, "src/metrics.json"));
  CHECK(matches_download(mixed, "a/b/model.pt"));
  CHECK(matches_download(mixed, "model.pt"));
  CHECK(matches_download(mixed, "ckpt"));
  CHECK(matches_download(mixed, "ckpt/epoch1.bin"));
  CHECK_FALSE(matches_download({}, "outputs/a.txt"));
}

TEST_CASE("result_files lists matching regular files, never symlinks nor lab's own files") {
  fs::path dir = fs::temp_directory_path() / ("lab-results-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "outputs" / "sub");
  fs::create_directories(dir / ".lab");
  std::ofstream(dir / "outputs" / "a.txt") << "a";
  std::ofstream(dir / "outputs" / "sub" / "b.txt") << "b";
  std::ofstream(dir / "train.py") << "code";
  std::ofstream(dir / ".lab-metrics.jsonl") << "{}\n";
  fs::create_directories(dir / ".lab-slurm");
  std::ofstream(dir / ".lab-slurm" / "output.log") << "log";
  fs::create_symlink("/etc/passwd", dir / "outputs" / "leak");
  CHECK(result_files(dir, {"outputs/"}) == std::vector<std::string>{"outputs/a.txt", "outputs/sub/b.txt"});
  // Even a glob that takes everything leaves lab's own files out (storage refuses their names).
  CHECK(result_files(dir, {"**"}) ==
        std::vector<std::string>{"outputs/a.txt", "outputs/sub/b.txt", "train.py"});
  CHECK(is_lab_own(".lab-metrics.jsonl"));
  CHECK(is_lab_own("sub/.lab-slurm/x"));
  CHECK_FALSE(is_lab_own("outputs/lab-x.txt"));

  auto packed = pack_results(dir, {"outputs/"}, dir / "r.tar.zst");
  REQUIRE_MESSAGE(packed, packed.error().message);
  CHECK(*packed == 2);
  auto unpacked = archive::unpack(dir / "r.tar.zst", dir / "check");
  REQUIRE(unpacked);
  CHECK(fs::is_regular_file(dir / "check" / "outputs" / "sub" / "b.txt"));
  CHECK_FALSE(fs::exists(dir / "check" / "outputs" / "leak"));
  CHECK_FALSE(fs::exists(dir / "check" / "train.py"));
  fs::remove_all(dir);
}
