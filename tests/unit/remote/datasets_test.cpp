// The remote's dataset step: a dataset is made whole once in the dataset cache from its
// manifest in storage, sharing inodes with the blob cache; Slurm task folders link it at
// datasets/<name>; a missing manifest or file is a plain error.
#include "fixture.hpp"
#include "project.hpp"

#include "lab/remote/datasets.hpp"

#include <sys/stat.h>

#include <thread>

using namespace lab;
using namespace lab::remote;
using namespace lab::remote::testing;
namespace fs = std::filesystem;

namespace {

ino_t inode(const fs::path& p) {
  struct stat s {};
  REQUIRE(::stat(p.c_str(), &s) == 0);
  return s.st_ino;
}

unsigned mode(const fs::path& p) {
  struct stat s {};
  REQUIRE(::stat(p.c_str(), &s) == 0);
  return s.st_mode & 07777;
}

struct Setup {
  explicit Setup(const std::string& name) : dir(fresh_dir(name)) {
    storage::StorageOptions local;
    local.root = dir / "storage";
    st = storage::make_storage(local).value();
    put_text(dir / "cifar" / "train" / "x.bin", "pixels pixels pixels\n");
    put_text(dir / "cifar" / "labels.txt", "cat\ndog\n");
    put_text(dir / "cifar" / "empty.txt", "");
    put_text(dir / "cifar" / "tool.sh", "#!/bin/sh\n", fs::perms(0755));
  }
  fs::path dir;
  std::unique_ptr<storage::Storage> st;
};

}  // namespace

TEST_CASE("remote datasets: one copy in the cache, hard-linked with the blob cache, linked into Slurm task folders") {
  Setup s("slurm-folders");
  const std::string hash = upload_dataset(*s.st, s.dir / "cifar");
  BlobCache blobs(*s.st, s.dir / "cache");
  config::RemoteConfig rc = remote_config(s.dir);
  CHECK(datasets_dir(rc) == s.dir / "cache" / "datasets");
  datasets::Cache cache(datasets_dir(rc));
  const std::vector<datasets::Use> uses{{"cifar", hash}};

  std::vector<std::string> notes, statuses;
  DatasetHooks hooks;
  hooks.note = [&](const std::string& t) { notes.push_back(t); };
  hooks.status = [&](const std::string& t) { statuses.push_back(t); };
  const fs::path t1 = s.dir / "tasks" / "t1", t2 = s.dir / "tasks" / "t2";
  fs::create_directories(t1);
  fs::create_directories(t2);
  auto r1 = prepare_datasets(*s.st, blobs, cache, uses, t1, true, hooks);
  REQUIRE_MESSAGE(r1, (r1 ? "" : r1.error().message));
  auto r2 = prepare_datasets(*s.st, blobs, cache, uses, t2, true, hooks);
  REQUIRE(r2);
  CHECK(statuses == std::vector<std::string>{"preparing: fetching dataset cifar"});
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].starts_with("dataset cifar ready: 4 files"));
  CHECK(notes[1] == "dataset cifar ready (already on this machine)");

  const fs::path copy = s.dir / "cache" / "datasets" / hash;
  for (const auto& t : {t1, t2}) {
    CHECK(fs::is_symlink(t / "datasets" / "cifar"));
    CHECK(fs::read_symlink(t / "datasets" / "cifar") == copy);
    CHECK(inode(t / "datasets" / "cifar" / "train" / "x.bin") == inode(copy / "train" / "x.bin"));
  }
  // One copy on disk: the dataset's file is the blob cache's file.
  files::Hash128 h = files::Hash128::of(std::string("pixels pixels pixels\n"));
  const fs::path blob = s.dir / "cache" / "blobs" / h.hex().substr(0, 2) / h.hex();
  CHECK(inode(copy / "train" / "x.bin") == inode(blob));
  CHECK(mode(copy / "train" / "x.bin") == 0444);
  CHECK(mode(copy / "tool.sh") == 0555);
  CHECK(mode(copy / "train") == 0555);
  CHECK(mode(copy) == 0555);
  CHECK(fs::file_size(copy / "empty.txt") == 0);

  // Removing a task folder removes its link, never the shared copy.
  fs::remove_all(t1);
  CHECK(fs::exists(copy / "labels.txt"));
  CHECK(datasets::remove_tree(s.dir));
}

TEST_CASE("remote datasets: two tasks preparing the same dataset at once materialise it once") {
  Setup s("concurrent");
  const std::string hash = upload_dataset(*s.st, s.dir / "cifar");
  datasets::Cache cache(s.dir / "datasets");
  std::vector<std::string> notes[2];
  std::vector<std::thread> threads;
  bool ok[2] = {false, false};
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      BlobCache blobs(*s.st, s.dir / "cache");
      DatasetHooks hooks;
      hooks.note = [&, i](const std::string& t) { notes[i].push_back(t); };
      const fs::path folder = s.dir / "tasks" / ("t" + std::to_string(i));
      fs::create_directories(folder);
      ok[i] = prepare_datasets(*s.st, blobs, cache, {{"cifar", hash}}, folder, true, hooks).has_value();
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok[0]);
  CHECK(ok[1]);
  int filled = 0;
  for (auto& n : notes) {
    REQUIRE(n.size() == 1);
    filled += n[0].find("ready: ") != std::string::npos ? 1 : 0;
  }
  CHECK(filled == 1);
  CHECK(inode(s.dir / "tasks" / "t0" / "datasets" / "cifar" / "labels.txt") ==
        inode(s.dir / "tasks" / "t1" / "datasets" / "cifar" / "labels.txt"));
  CHECK(datasets::remove_tree(s.dir));
}

TEST_CASE("remote datasets: a missing manifest or file fails in plain words and leaves no copy") {
  Setup s("missing");
  datasets::Cache cache(s.dir / "datasets");
  BlobCache blobs(*s.st, s.dir / "cache");
  fs::create_directories(s.dir / "task");
  const std::string absent = "0123456789abcdef0123456789abcdef";
  auto no_manifest = prepare_datasets(*s.st, blobs, cache, {{"cifar", absent}}, s.dir / "task", true, {});
  REQUIRE_FALSE(no_manifest);
  CHECK(no_manifest.error().code == Errc::not_found);
  CHECK(no_manifest.error().message == "the file list of dataset 'cifar' (datasets/" + absent +
                                           "/manifest.json) is missing from storage; upload it again with `lab data sync`");
  CHECK_FALSE(cache.find(absent));
  CHECK_FALSE(fs::exists(s.dir / "task" / "datasets" / "cifar"));

  const std::string hash = upload_dataset(*s.st, s.dir / "cifar", "labels.txt");
  auto no_blob = prepare_datasets(*s.st, blobs, cache, {{"cifar", hash}}, s.dir / "task", true, {});
  REQUIRE_FALSE(no_blob);
  CHECK(no_blob.error().message.find("dataset 'cifar' file 'labels.txt'") != std::string::npos);
  CHECK_FALSE(cache.find(hash));
  CHECK(datasets::remove_tree(s.dir));
}

TEST_CASE("remote datasets: the project's own datasets/<name> is refused; workers get no link") {
  Setup s("conflict");
  const std::string hash = upload_dataset(*s.st, s.dir / "cifar");
  datasets::Cache cache(s.dir / "datasets");
  BlobCache blobs(*s.st, s.dir / "cache");
  put_text(s.dir / "task" / "datasets" / "cifar" / "mine.txt", "mine");
  auto clash = prepare_datasets(*s.st, blobs, cache, {{"cifar", hash}}, s.dir / "task", true, {});
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == Errc::conflict);
  CHECK(clash.error().message.find("the project has its own 'datasets/cifar'") != std::string::npos);

  fs::create_directories(s.dir / "worker-task");
  REQUIRE(prepare_datasets(*s.st, blobs, cache, {{"cifar", hash}}, s.dir / "worker-task", false, {}));
  CHECK_FALSE(fs::exists(s.dir / "worker-task" / "datasets"));
  CHECK(cache.find(hash));
  CHECK(datasets::remove_tree(s.dir));
}
