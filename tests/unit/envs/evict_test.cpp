#include "envs_fixture.hpp"

#include <lab/sys/clock.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

using namespace lab;
using namespace lab::envs;
using namespace envs_test;

namespace {

// A ready environment laid out as the Builder leaves one, without running pip.
std::string fake_env(const fs::path& envs, char fill, std::uint64_t size, std::int64_t last_used_ms) {
  std::string key(32, fill);
  fs::path build = envs / "builds" / (key + ".1.1");
  fs::create_directories(build / "env" / "bin");
  write(build / "lab-env.json", "{\"key\": \"" + key + "\", \"size_bytes\": " + std::to_string(size) + "}\n");
  write(build / "last-used", "");
  struct timespec t[2];
  t[0].tv_sec = t[1].tv_sec = last_used_ms / 1000;
  t[0].tv_nsec = t[1].tv_nsec = 0;
  ::utimensat(AT_FDCWD, (build / "last-used").c_str(), t, 0);
  fs::create_symlink(fs::path("builds") / (key + ".1.1"), envs / key);
  return key;
}

EnvKey ready_key(const std::string& hex) {
  EnvKey k;
  k.hex = hex;
  k.source = Source::requirements;
  return k;
}

}  // namespace

TEST_CASE("eviction removes least recently used environments first and never one in use") {
  Fixture f;
  sys::FakeClock clock(1'800'000'000'000);
  auto opts = f.options();
  Builder b(opts, clock);
  fs::path envs = f.root / "envs";
  std::string k1 = fake_env(envs, 'a', 100, 1'700'000'001'000);  // oldest
  std::string k2 = fake_env(envs, 'b', 100, 1'700'000'002'000);
  std::string k3 = fake_env(envs, 'c', 100, 1'700'000'003'000);
  // An interrupted build: a folder with no marker and no key pointing at it.
  fs::create_directories(envs / "builds" / (std::string(32, 'd') + ".9.9") / "env");

  auto listed = b.list();
  REQUIRE(listed);
  REQUIRE(listed->size() == 3);
  CHECK((*listed)[0].key == k1);
  CHECK((*listed)[2].key == k3);

  {
    auto lease = b.ensure(ready_key(k1), f.root, {});  // cached: no build, a lease on the oldest
    REQUIRE(lease);
    CHECK(b.stats().builds_started == 0);
    CHECK(b.list()->back().key == k1);  // leasing counts as a use
    CHECK(b.list()->back().in_use);

    auto r = b.evict_to(200);
    REQUIRE(r);
    CHECK(r->removed == std::vector<std::string>{k2});
    CHECK(r->freed_bytes == 100);
    CHECK(r->remaining_bytes == 200);
    CHECK_FALSE(r->over_limit);
    CHECK_FALSE(fs::exists(envs / k2));
    CHECK_FALSE(fs::exists(envs / "builds" / (k2 + ".1.1")));
    CHECK_FALSE(fs::exists(envs / "builds" / (std::string(32, 'd') + ".9.9")));

    auto all_pinned = b.evict_to(0);  // k3 goes; k1 is in use
    REQUIRE(all_pinned);
    CHECK(all_pinned->removed == std::vector<std::string>{k3});
    CHECK(all_pinned->over_limit);
    CHECK(fs::exists(envs / k1));
    clock.advance_ms(60'000);
  }
  // Released: now it can go.
  auto r = b.evict_to(0);
  REQUIRE(r);
  CHECK(r->removed == std::vector<std::string>{k1});
  CHECK(b.list()->empty());
}

TEST_CASE("eviction leaves an environment leased by another process") {
  Fixture f;
  Builder b(f.options());
  fs::path envs = f.root / "envs";
  std::string k1 = fake_env(envs, 'a', 100, 1'700'000'001'000);
  std::string k2 = fake_env(envs, 'b', 100, 1'700'000'002'000);
  // Another process's lease is a shared flock on the key's lock file.
  fs::create_directories(envs / "locks");
  int fd = ::open((envs / "locks" / (k1 + ".lock")).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_SH) == 0);
  auto r = b.evict_to(0);
  ::close(fd);
  REQUIRE(r);
  CHECK(r->removed == std::vector<std::string>{k2});
  CHECK(fs::exists(envs / k1));
}

TEST_CASE("a build folder without its marker is never used") {
  Fixture f;
  fs::path envs = f.root / "envs";
  Builder b(f.options());
  std::string key(32, 'e');
  fs::create_directories(envs / "builds" / (key + ".5.5") / "env" / "bin");
  fs::create_symlink(fs::path("builds") / (key + ".5.5"), envs / key);
  CHECK(b.list()->empty());
  // ensure() does not lease it; it tries to build (and fails here: no inputs to stage).
  EnvKey k = ready_key(key);
  k.files = {{"requirements.txt", "0"}};
  auto r = b.ensure(k, f.root, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::not_found);
  CHECK(b.stats().builds_failed == 1);
  CHECK_FALSE(fs::exists(envs / "builds" / (key + ".5.5")));  // the interrupted build was cleared first
}

TEST_CASE("the size limit is applied after each build, sparing the environment just built") {
  Fixture f;
  f.wheel("labalpha", "1.0");
  fs::path envs = f.root / "envs";
  std::string old_key = fake_env(envs, 'a', 1'000'000, 1'700'000'001'000);
  auto opts = f.options();
  opts.max_bytes = 1;  // anything over a byte: evict all that is not in use
  Builder b(opts);
  fs::path project = f.project("p", "labalpha==1.0\n");
  auto key = compute_key(project, {});
  REQUIRE(key);
  Log log;
  auto lease = b.ensure(*key, project, log.sink());
  REQUIRE(lease);
  CHECK_FALSE(fs::exists(envs / old_key));
  CHECK(fs::exists(lease->root() / "bin" / "python"));
  CHECK(log.has("removed 1 least recently used environment"));
  auto listed = b.list();
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().size_bytes > 100'000);  // a venv with pip is megabytes, measured at build time
}
