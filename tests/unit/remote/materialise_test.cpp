// Task folders built from storage: hard links into the blob cache, modes, missing blobs.
#include "fixture.hpp"
#include "project.hpp"

#include "lab/remote/materialise.hpp"

#include <sys/stat.h>

#include <fstream>
#include <thread>

using namespace lab;
using namespace lab::remote;
using namespace lab::remote::testing;
namespace fs = std::filesystem;

namespace {

struct Setup {
  explicit Setup(const std::string& name) : dir(fresh_dir(name)) {
    lab::storage::StorageOptions local;  // type "local"
    local.root = dir / "storage";
    st = lab::storage::make_storage(local).value();
    put_text(dir / "project" / "train.py", "print('train')\n");
    put_text(dir / "project" / "run.sh", "#!/bin/sh\necho run\n", fs::perms(0755));
    put_text(dir / "project" / "data" / "a.txt", "same\n");
    put_text(dir / "project" / "data" / "b.txt", "same\n");
    fs::create_symlink("data/a.txt", dir / "project" / "link.txt");
  }
  fs::path dir;
  std::unique_ptr<storage::Storage> st;
};

ino_t inode(const fs::path& p) {
  struct stat s {};
  REQUIRE(::lstat(p.c_str(), &s) == 0);
  return s.st_ino;
}

}  // namespace

TEST_CASE("materialise: files are hard links into the blob cache, with the manifest's modes") {
  Setup s("links");
  const std::string key = upload_project(*s.st, s.dir / "project");
  BlobCache cache(*s.st, s.dir / "cache");
  const fs::path task = s.dir / "tasks" / "t-261130-0001";
  auto stats = materialise(*s.st, cache, key, task);
  REQUIRE_MESSAGE(stats, (stats ? std::string() : stats.error().message));
  CHECK(stats->files == 4);
  CHECK(stats->fetched == 3);  // a.txt and b.txt share one blob
  std::ifstream in(task / "train.py");
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "print('train')\n");
  CHECK((fs::status(task / "run.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK((fs::status(task / "train.py").permissions() & fs::perms::owner_exec) == fs::perms::none);
  CHECK(fs::is_symlink(task / "link.txt"));
  CHECK(fs::read_symlink(task / "link.txt") == "data/a.txt");
  CHECK(inode(task / "data" / "a.txt") == inode(task / "data" / "b.txt"));  // one cached copy
  CHECK(fs::hard_link_count(task / "train.py") >= 2);

  // A second task from the same snapshot fetches nothing and shares the same files.
  const fs::path again = s.dir / "tasks" / "t-261130-0002";
  auto second = materialise(*s.st, cache, key, again);
  REQUIRE(second);
  CHECK(second->fetched == 0);
  CHECK(inode(again / "train.py") == inode(task / "train.py"));
}

TEST_CASE("materialise: a missing blob or manifest fails with a sentence naming the file") {
  Setup s("missing");
  const std::string key = upload_project(*s.st, s.dir / "project", "train.py");
  BlobCache cache(*s.st, s.dir / "cache");
  auto r = materialise(*s.st, cache, key, s.dir / "tasks" / "t");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::not_found);
  CHECK(r.error().message.find("'train.py'") != std::string::npos);
  CHECK(r.error().message.find("submit the task again") != std::string::npos);

  auto m = materialise(*s.st, cache, "projects/manifests/00000000000000000000000000000000.json", s.dir / "tasks" / "u");
  REQUIRE_FALSE(m);
  CHECK(m.error().code == Errc::not_found);
  CHECK(m.error().message.find("file list") != std::string::npos);
}

TEST_CASE("materialise: a manifest path that climbs out of the folder is refused") {
  Setup s("escape");
  const std::string json =
      R"({"format":"lab-manifest","version":1,"hash":"xxh3-128","count":1,"total_bytes":1,"entries":[)"
      R"({"path":"../evil.txt","mode":"100644","size":1,"xxh3":"00000000000000000000000000000000"}]})";
  put_text(s.dir / "m.json", json);
  const std::string key = storage::layout::manifest_key(files::Hash128::of(json).hex()).value();
  REQUIRE(s.st->put_file(key, s.dir / "m.json"));
  BlobCache cache(*s.st, s.dir / "cache");
  auto r = materialise(*s.st, cache, key, s.dir / "tasks" / "t");
  REQUIRE_FALSE(r);
  CHECK_FALSE(fs::exists(s.dir / "tasks" / "evil.txt"));
}

TEST_CASE("materialise: several threads building tasks from one snapshot into one cold cache all succeed") {
  // The remote's preparers share one cache: a blob that two of them miss at once is fetched
  // by both, each into its own temporary file (one shared name made a task fail at random).
  Setup s("parallel");
  const std::string key = upload_project(*s.st, s.dir / "project");
  for (int round = 0; round < 20; ++round) {
    BlobCache cache(*s.st, s.dir / ("cache-" + std::to_string(round)));
    std::vector<std::string> errors(8);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
      threads.emplace_back([&, i] {
        auto r = materialise(*s.st, cache, key, s.dir / "tasks" / ("t-" + std::to_string(round) + "-" + std::to_string(i)));
        if (!r) errors[i] = r.error().message;
      });
    for (auto& t : threads) t.join();
    for (const auto& e : errors) CHECK_MESSAGE(e.empty(), e);
    for (int i = 0; i < 8; ++i) {
      const fs::path task = s.dir / "tasks" / ("t-" + std::to_string(round) + "-" + std::to_string(i));
      std::ifstream in(task / "run.sh");
      CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "#!/bin/sh\necho run\n");
    }
    // No temporary file is left in the cache.
    for (const auto& e : fs::recursive_directory_iterator(s.dir / ("cache-" + std::to_string(round))))
      CHECK(e.path().filename().string().find(".part-") == std::string::npos);
  }
}
