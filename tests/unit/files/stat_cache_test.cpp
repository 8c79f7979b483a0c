// The stat cache: an unchanged tree is not read again; any stat change, or a timestamp too
// close to the scan ("racy"), makes the next scan read the file.
#include <doctest/doctest.h>
#include <lab/files/scan.hpp>
#include <lab/sys/clock.hpp>

#include "lab/files/stat_cache.hpp"
#include "tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>

using namespace lab::files;
using namespace lab::files::test;

namespace {

constexpr std::int64_t kOldSec = 1'600'000'000;  // an mtime in 2020

void set_mtime(const fs::path& p, std::int64_t sec) {
  struct timespec t[2] = {{sec, 0}, {sec, 0}};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), t, 0) == 0);
}

struct Fixture {
  TempDir tree, cache;
  // An hour from now: every file written by the test is long settled unless a test says not.
  lab::sys::FakeClock clock{lab::sys::real_clock().now_ms() + 3'600'000};
  ScanOptions options() {
    ScanOptions o;
    o.cache_dir = cache.path;
    o.clock = &clock;
    o.git_excludes = false;
    return o;
  }
  ScanReport run() {
    ScanReport r;
    auto m = scan(tree.path, options(), &r);
    REQUIRE(m);
    last = *m;
    return r;
  }
  Manifest last;
};

}  // namespace

TEST_CASE("a rescan of an unchanged tree reads no file") {
  Fixture f;
  for (int i = 0; i < 20; ++i) {
    const fs::path p = f.tree.path / std::to_string(i % 3) / std::to_string(i);
    write(p, std::to_string(i));
    set_mtime(p, kOldSec);
  }
  const ScanReport cold = f.run();
  CHECK(cold.files_hashed == 20);
  CHECK(cold.cache_written);
  const Manifest first = f.last;
  const ScanReport warm = f.run();
  CHECK(warm.files_hashed == 0);
  CHECK(warm.cache_hits == 20);
  CHECK_FALSE(warm.cache_written);  // nothing new to remember
  CHECK(f.last == first);
}

TEST_CASE("a file rewritten with the same size and mtime is read again") {
  Fixture f;
  const auto p = f.tree.path / "model.py";
  write(p, "weights = 1\n");
  set_mtime(p, kOldSec);
  f.run();
  write(p, "weights = 2\n");  // same size
  set_mtime(p, kOldSec);      // same mtime; only the change time moved
  const ScanReport r = f.run();
  CHECK(r.files_hashed == 1);
  CHECK(f.last.entries[0].hash == Hash128::of("weights = 2\n"));
}

TEST_CASE("a file changed within the racy window is not trusted from the cache") {
  Fixture f;
  const auto p = f.tree.path / "train.py";
  write(p, "a");
  struct stat st{};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  // The scan happens in the same second the file was last changed.
  f.clock.advance_ms(static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000 + 500 - f.clock.now_ms());
  CHECK(f.run().files_hashed == 1);
  CHECK(f.run().files_hashed == 1);  // still racy: read again, whatever its stat says
  f.clock.advance_ms(60'000);
  CHECK(f.run().files_hashed == 1);  // now old enough: hashed once more and remembered
  CHECK(f.run().files_hashed == 0);
}

TEST_CASE("a corrupt or foreign cache file is ignored, not trusted") {
  TempDir dir;
  const auto file = StatCache::file_for(dir.path, "/project");
  REQUIRE(StatCache::save(file, "/project", {{"a", {1, 2, 3, 4}, Hash128::of("x")}}));
  CHECK(StatCache::load(file, "/project").find("a", {1, 2, 3, 4}) != nullptr);
  CHECK(StatCache::load(file, "/project").find("a", {1, 2, 3, 5}) == nullptr);
  CHECK(StatCache::load(file, "/other").size() == 0);
  // Flip one byte of the hash: the checksum no longer matches.
  std::string bytes = run_in(dir.path, "cat '" + file.string() + "'");
  bytes[bytes.size() - 12] ^= 1;
  write(file, bytes);
  CHECK(StatCache::load(file, "/project").size() == 0);
}
