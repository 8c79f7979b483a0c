#include <doctest/doctest.h>
#include <lab/client/upload.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "lab/client/blob_tar.hpp"  // private header, found through src/
#include "unit/client/fake_proxy.hpp"

using namespace lab;
using lab::testing::FakeProxy;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path dir = fs::temp_directory_path() / ("lab-upload-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  static inline int counter = 0;
  TempDir() { fs::create_directories(dir); }
  ~TempDir() { fs::remove_all(dir); }
  void write(const std::string& rel, const std::string& content) {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel, std::ios::binary) << content;
  }
};

client::ProjectOptions options_for(const fs::path& root) {
  client::ProjectOptions o;
  o.root = root;
  o.scan.use_stat_cache = false;
  o.scan.git_excludes = false;
  return o;
}

std::vector<std::string> paths_of(const files::Manifest& m) {
  std::vector<std::string> out;
  for (const auto& e : m.entries) out.push_back(e.path);
  return out;
}

}  // namespace

TEST_CASE("upload: only the blobs the proxy lacks are sent, and the snapshot names every file") {
  TempDir project;
  project.write("train.py", "print('hi')\n");
  project.write("data/a.csv", "1,2,3\n");
  project.write("data/copy.csv", "1,2,3\n");  // same content as a.csv: one blob
  project.write("big.bin", std::string(700000, 'x'));
  project.write("run.log", "ignored by .gitignore\n");
  project.write(".gitignore", "*.log\n");
  fs::create_symlink("train.py", project.dir / "link.py");

  FakeProxy fake;
  fake.stored.insert(files::Hash128::of("print('hi')\n").hex());  // already on the proxy
  fake.start();
  auto c = client::ProxyClient::create(fake.url(), "tok");
  REQUIRE(c);

  auto p = client::collect_project(options_for(project.dir));
  REQUIRE(p);
  CHECK(paths_of(p->manifest) == std::vector<std::string>{".gitignore", "big.bin", "data/a.csv", "data/copy.csv", "link.py", "train.py"});
  CHECK(p->blobs.size() == 5);  // .gitignore, big.bin, the csv content, the link target, train.py

  auto plan = client::plan_upload(**c, *p);
  REQUIRE(plan);
  CHECK(plan->missing.size() == 4);
  CHECK(plan->stored_files == 1);
  CHECK(plan->stored_bytes == 12);
  CHECK(plan->uploaded_files == 5);
  CHECK(plan->uploaded_bytes == p->manifest.total_bytes() - 12);

  std::uint64_t last_progress = 0;
  auto snap = client::send_project(**c, *p, *plan, [&](std::uint64_t n) { last_progress = n; });
  REQUIRE_MESSAGE(snap, (snap ? "" : snap.error().message));
  CHECK(snap->id == "s1");
  CHECK(last_progress == plan->send_bytes);
  {
    std::lock_guard lock(fake.mu);
    CHECK(fake.blob_requests == 1);  // many small files in one request
    CHECK(fake.bad_blobs.empty());   // every entry's content matches its name
    std::set<std::string> sent(fake.uploaded.begin(), fake.uploaded.end());
    CHECK(sent.size() == fake.uploaded.size());
    CHECK_FALSE(sent.contains(files::Hash128::of("print('hi')\n").hex()));
    CHECK(sent.contains(files::Hash128::of("train.py").hex()));  // the symlink's target string
    CHECK(sent.contains(files::Hash128::of(std::string(700000, 'x')).hex()));
    CHECK(fake.snapshot_manifest.at("entries").size() == 6);
  }

  // A second upload of the same folder sends nothing.
  auto again = client::plan_upload(**c, *p);
  REQUIRE(again);
  CHECK(again->missing.empty());
  CHECK(again->uploaded_files == 0);
  CHECK(again->stored_files == 6);
}

TEST_CASE("upload: task.toml's exclude globs and extra uploads shape the manifest") {
  TempDir project, outside;
  project.write("train.py", "x");
  project.write("ckpt/model.ckpt", "weights");
  project.write("notes/a.ckpt", "w2");
  project.write("keep.txt", "k");
  outside.write("big.npz", "dataset");
  outside.write("more/one.txt", "1");
  outside.write("more/two.txt", "2");

  auto o = options_for(project.dir);
  o.exclude = {"*.ckpt", "ckpt/"};
  o.uploads = {{(outside.dir / "big.npz").string(), "data/big.npz"}, {(outside.dir / "more").string(), "extra"},
               {"keep.txt", "copied/keep.txt"}};
  auto p = client::collect_project(o);
  REQUIRE_MESSAGE(p, (p ? "" : p.error().message));
  CHECK(paths_of(p->manifest) ==
        std::vector<std::string>{"copied/keep.txt", "data/big.npz", "extra/one.txt", "extra/two.txt", "keep.txt", "train.py"});
  for (const auto& e : p->manifest.entries)
    if (e.path == "data/big.npz") CHECK(e.hash == files::Hash128::of("dataset"));

  o.uploads = {{"missing.bin", "m.bin"}};
  auto bad = client::collect_project(o);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("\"missing.bin\", but there is no such file or folder") != std::string::npos);
}

TEST_CASE("blob tar: headers carry a valid checksum and the size, including very large sizes") {
  std::string h = client::tar_header("0123456789abcdef0123456789abcdef", 1234);
  REQUIRE(h.size() == 512);
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  CHECK(std::stoul(h.substr(148, 6), nullptr, 8) == sum);
  CHECK(std::stoull(h.substr(124, 11), nullptr, 8) == 1234);
  CHECK(h.substr(257, 5) == "ustar");
  std::string big = client::tar_header("x", 10ull << 30);
  CHECK(static_cast<unsigned char>(big[124]) == 0x80);
  std::uint64_t v = 0;
  for (int i = 125; i < 136; ++i) v = (v << 8) | static_cast<unsigned char>(big[i]);
  CHECK(v == 10ull << 30);
}

TEST_CASE("blob tar: a file that changed size after hashing stops the stream with a clear error") {
  TempDir d;
  d.write("f", "abc");
  std::vector<client::BlobSource> blobs{{"h", 5, d.dir / "f", std::nullopt}};
  client::BlobTarStream s(blobs);
  std::string piece;
  CHECK(s.next(piece));  // header
  CHECK_FALSE(s.next(piece));
  CHECK(s.error().find("shrank while it was being uploaded") != std::string::npos);
}

TEST_CASE("collect_dataset: only .git and .labignore leave files out; .gitignore is not read") {
  TempDir t;
  t.write("train/1.bin", "one");
  t.write("train/2.bin", "two");
  t.write("same.bin", "one");  // same content as train/1.bin: one blob
  t.write(".gitignore", "*.bin\n");
  t.write(".labignore", "scratch/\n");
  t.write("scratch/tmp", "x");
  t.write(".git/config", "[core]\n");
  files::ScanOptions so;
  so.use_stat_cache = false;
  auto d = client::collect_dataset(t.dir, so);
  REQUIRE_MESSAGE(d, d.error().message);
  CHECK(paths_of(d->manifest) == std::vector<std::string>{".gitignore", ".labignore", "same.bin", "train/1.bin", "train/2.bin"});
  CHECK(d->blobs.size() == 4);
  for (const auto& b : d->blobs) CHECK(fs::exists(b.file));
  CHECK_FALSE(client::collect_dataset(t.dir / "missing", so));
}
