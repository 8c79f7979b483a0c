// The remote stores a task's result files and then their list (files.json), which the
// proxy serves instead of listing and reading every object.
#include "lab/remote/results.hpp"
#include "lab/worker/results.hpp"

#include <lab/files/manifest.hpp>
#include <lab/storage/layout.hpp>
#include <lab/storage/storage.hpp>
#include <lab/storage/text.hpp>

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

using namespace lab;
namespace fs = std::filesystem;

namespace {

struct Folder {
  fs::path dir = fs::temp_directory_path() / ("lab-remote-results-" + std::to_string(::getpid()));
  std::unique_ptr<storage::Storage> store;
  Folder() {
    fs::remove_all(dir);
    fs::create_directories(dir / "task" / "outputs" / "sub");
    storage::StorageOptions o;
    o.root = dir / "storage";
    store = storage::make_storage(o).value();
  }
  ~Folder() { fs::remove_all(dir); }
  void write(const std::string& rel, const std::string& text) { std::ofstream(dir / "task" / rel, std::ios::binary) << text; }
  // Packs the task's outputs/ as a worker does and stores them.
  Result<std::vector<std::string>> store_outputs() {
    REQUIRE(worker::pack_results(dir / "task", {"outputs/"}, dir / "r.tar.zst"));
    return remote::store_results(*store, "t1", dir / "r.tar.zst", dir / "scratch");
  }
  files::Manifest list() {
    auto text = storage::get_text(*store, storage::layout::result_files_key("t1").value());
    REQUIRE_MESSAGE(text, text.error().message);
    return files::manifest_from_json(*text).value();
  }
};

}  // namespace

TEST_CASE("stored results come with their list: paths, sizes, hashes, modes, and a rerun replaces both") {
  Folder f;
  f.write("outputs/metrics.json", "{\"loss\": 0.5}\n");
  f.write("outputs/sub/model.bin", std::string(3000, 'm'));
  f.write("outputs/run.sh", "#!/bin/sh\n");
  fs::permissions(f.dir / "task" / "outputs" / "run.sh", fs::perms::owner_exec, fs::perm_options::add);
  auto keys = f.store_outputs();
  REQUIRE_MESSAGE(keys, keys.error().message);
  CHECK(keys->size() == 3);

  auto m = f.list();
  REQUIRE(m.entries.size() == 3);
  CHECK(m.entries[0].path == "outputs/metrics.json");
  CHECK(m.entries[0].size == 14);
  CHECK(m.entries[0].hash == files::Hash128::of("{\"loss\": 0.5}\n"));
  CHECK_FALSE(m.entries[0].executable);
  CHECK(m.entries[1].path == "outputs/run.sh");
  CHECK(m.entries[1].executable);
  CHECK(m.entries[2].path == "outputs/sub/model.bin");
  CHECK(m.entries[2].size == 3000);
  CHECK(m.entries[2].hash == files::Hash128::of(std::string(3000, 'm')));
  // Every listed file is stored, with those bytes.
  for (const auto& e : m.entries) {
    auto text = storage::get_text(*f.store, storage::layout::result_file_key("t1", e.path).value());
    REQUIRE(text);
    CHECK(files::Hash128::of(*text) == e.hash);
  }

  // A second attempt with fewer files: the list and the objects both lose the old ones.
  fs::remove_all(f.dir / "task" / "outputs" / "sub");
  fs::remove(f.dir / "task" / "outputs" / "run.sh");
  f.write("outputs/metrics.json", "{\"loss\": 0.25}\n");
  REQUIRE(f.store_outputs());
  auto again = f.list();
  REQUIRE(again.entries.size() == 1);
  CHECK(again.entries[0].hash == files::Hash128::of("{\"loss\": 0.25}\n"));
  CHECK(remote::list_results(*f.store, "t1") ==
        std::vector<std::string>{storage::layout::result_file_key("t1", "outputs/metrics.json").value()});
}

TEST_CASE("a results archive that cannot be unpacked leaves the earlier results and their list alone") {
  Folder f;
  f.write("outputs/a.txt", "a");
  REQUIRE(f.store_outputs());
  std::ofstream(f.dir / "broken.tar.zst") << "not an archive";
  auto r = remote::store_results(*f.store, "t1", f.dir / "broken.tar.zst", f.dir / "scratch");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("results archive") != std::string::npos);
  REQUIRE(f.list().entries.size() == 1);
  CHECK(f.list().entries[0].path == "outputs/a.txt");
}
