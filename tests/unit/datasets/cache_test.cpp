// The dataset cache: one fill per hash under concurrency (threads and separate Caches over
// one folder), read-only copies, temp + rename (a crash's leftover is never used and is
// cleaned), failed fills leave nothing.
#include <lab/datasets/cache.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

using namespace lab;
using namespace lab::datasets;
namespace fs = std::filesystem;

namespace {

const std::string kHash = "0123456789abcdef0123456789abcdef";

fs::path fresh(const std::string& name) {
  static std::atomic<int> n{0};
  auto d = fs::temp_directory_path() / ("lab-dataset-cache-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" + name);
  (void)remove_tree(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text, fs::perms mode = fs::perms(0644)) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  fs::permissions(p, mode);
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned mode_of(const fs::path& p) {
  struct stat s {};
  REQUIRE(::lstat(p.c_str(), &s) == 0);
  return s.st_mode & 07777;
}

// A fill writing a small tree: a.txt, sub/b.txt, run.sh (executable), link -> a.txt.
Fill tree(std::atomic<int>& calls, std::chrono::milliseconds slow = std::chrono::milliseconds(0)) {
  return [&calls, slow](const fs::path& into) -> Result<void> {
    ++calls;
    std::this_thread::sleep_for(slow);
    write(into / "a.txt", "alpha\n");
    write(into / "sub" / "b.txt", "beta\n");
    write(into / "run.sh", "#!/bin/sh\n", fs::perms(0755));
    fs::create_symlink("a.txt", into / "link");
    return {};
  };
}

// True when an unprivileged user (nobody) can open `p` with `flags`; runs in a child.
bool nobody_can_open(const fs::path& p, int flags) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    int fd = ::open(p.c_str(), flags);
    ::_exit(fd >= 0 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TEST_CASE("dataset cache: a copy is filled once, then found; it is read-only") {
  auto dir = fresh("once");
  Cache cache(dir / "datasets");
  CHECK_FALSE(cache.find(kHash));
  std::atomic<int> calls{0};
  auto first = cache.get(kHash, tree(calls));
  REQUIRE_MESSAGE(first, (first ? "" : first.error().message));
  CHECK(first->filled);
  CHECK(first->path == dir / "datasets" / kHash);
  CHECK(read(first->path / "sub" / "b.txt") == "beta\n");
  auto again = cache.get(kHash, tree(calls));
  REQUIRE(again);
  CHECK_FALSE(again->filled);
  CHECK(again->path == first->path);
  CHECK(calls == 1);
  REQUIRE(cache.find(kHash));

  CHECK(mode_of(first->path) == 0555);
  CHECK(mode_of(first->path / "sub") == 0555);
  CHECK(mode_of(first->path / "a.txt") == 0444);
  CHECK(mode_of(first->path / "run.sh") == 0555);
  CHECK(fs::is_symlink(first->path / "link"));
  if (::geteuid() == 0) {
    // Modes do not stop root; they stop every other user.
    fs::permissions(dir, fs::perms(0755));
    fs::permissions(dir / "datasets", fs::perms(0755));
    CHECK(nobody_can_open(first->path / "a.txt", O_RDONLY));  // the path is reachable...
    CHECK_FALSE(nobody_can_open(first->path / "a.txt", O_WRONLY | O_APPEND));  // ...but not writable
  } else {
    CHECK(::open((first->path / "a.txt").c_str(), O_WRONLY) < 0);
  }
  CHECK(remove_tree(dir));
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("dataset cache: tasks asking at once fill once; the others are told and wait") {
  auto dir = fresh("concurrent");
  std::atomic<int> calls{0}, waits{0}, max_others{0};
  // Two Caches over one folder (as the remote and a worker in one process), 6 callers.
  Cache one(dir / "d"), two(dir / "d");
  std::vector<std::thread> threads;
  std::vector<fs::path> paths(6);
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      Cache& c = i % 2 ? one : two;
      auto got = c.get(kHash, tree(calls, std::chrono::milliseconds(300)), [&](int others) {
        ++waits;
        int m = max_others;
        while (others > m && !max_others.compare_exchange_weak(m, others)) {
        }
      });
      if (got) {
        ++ok;
        paths[static_cast<std::size_t>(i)] = got->path;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 6);
  CHECK(calls == 1);
  CHECK(waits == 5);
  CHECK(max_others >= 2);
  for (const auto& p : paths) CHECK(p == dir / "d" / kHash);
  // Nothing but the copy and the locks.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir / "d")) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 2);
  CHECK(remove_tree(dir));
}

TEST_CASE("dataset cache: a waiter told to stop gives up at once; the fill it waited for goes on") {
  auto dir = fresh("stop");
  std::atomic<int> calls{0};
  Cache one(dir / "d"), two(dir / "d");
  std::optional<Result<Copy>> filled;
  std::thread filler([&] { filled = one.get(kHash, tree(calls, std::chrono::milliseconds(1500))); });
  while (calls == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  std::atomic<bool> cancelled{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancelled = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  bool told = false;
  auto waited = two.get(kHash, tree(calls), [&](int) { told = true; }, [&] { return cancelled.load(); });
  const auto took = std::chrono::steady_clock::now() - t0;
  canceller.join();
  CHECK(told);
  REQUIRE_FALSE(waited);
  CHECK(waited.error().code == Errc::unavailable);
  CHECK(took < std::chrono::milliseconds(1000));  // not held until the 1.5 s fill ends

  filler.join();
  REQUIRE(filled);
  REQUIRE(*filled);
  CHECK((*filled)->filled);
  CHECK(calls == 1);
  // A waiter whose stop never says true simply gets the copy.
  auto later = two.get(kHash, tree(calls), {}, [] { return false; });
  REQUIRE(later);
  CHECK_FALSE(later->filled);
  CHECK(remove_tree(dir));
}

TEST_CASE("dataset cache: a crash's partial folder is never used and is cleaned by the next fill") {
  auto dir = fresh("crash");
  // What a fill interrupted after making its files read-only leaves behind.
  const fs::path partial = dir / "d" / (".partial-" + kHash + "-99999-1");
  write(partial / "half.txt", "half");
  fs::permissions(partial, fs::perms(0555));
  Cache cache(dir / "d");
  CHECK_FALSE(cache.find(kHash));
  std::atomic<int> calls{0};
  auto got = cache.get(kHash, tree(calls));
  REQUIRE_MESSAGE(got, (got ? "" : got.error().message));
  CHECK(got->filled);
  CHECK_FALSE(fs::exists(partial));
  CHECK_FALSE(fs::exists(got->path / "half.txt"));
  CHECK(remove_tree(dir));
}

TEST_CASE("dataset cache: a failed fill leaves nothing, and the next caller fills") {
  auto dir = fresh("failed");
  Cache cache(dir / "d");
  auto bad = cache.get(kHash, [](const fs::path& into) -> Result<void> {
    write(into / "x", "x");
    return fail(Errc::not_found, "the file list of dataset 'cifar' is missing from storage");
  });
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::not_found);
  CHECK(bad.error().message == "the file list of dataset 'cifar' is missing from storage");
  CHECK_FALSE(cache.find(kHash));
  for (const auto& e : fs::directory_iterator(dir / "d"))
    CHECK_MESSAGE(!e.path().filename().string().starts_with(".partial-"), e.path().string());
  std::atomic<int> calls{0};
  CHECK(cache.get(kHash, tree(calls)));
  CHECK(calls == 1);

  auto not_hash = cache.get("../etc", tree(calls));
  REQUIRE_FALSE(not_hash);
  CHECK(not_hash.error().code == Errc::invalid_argument);
  CHECK(remove_tree(dir));
}
