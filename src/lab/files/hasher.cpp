// Reads files with plain read(2) into a per-thread 1 MiB buffer and hashes them with
// XXH3-128 (one-shot for files that fit the buffer, streaming otherwise).
#include "hasher.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <xxhash.h>

namespace lab::files {
namespace {

constexpr std::size_t kBufferSize = 1 << 20;

std::int64_t ns(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

Hash128 canonical(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  Hash128 out;
  std::memcpy(out.bytes.data(), c.digest, 16);
  return out;
}

// Fills `buf` from `fd` until it is full or the file ends; returns the byte count, or -errno.
ssize_t fill(int fd, char* buf) {
  std::size_t got = 0;
  while (got < kBufferSize) {
    const ssize_t n = ::read(fd, buf + got, kBufferSize - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

// Hashes one file into `out`; returns 0 or an errno value.
int hash_one(int root_fd, const Found& f, char* buf, XXH3_state_t* state, Hashed& out) {
  const int fd = ::openat(root_fd, f.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return errno;
  if (f.stat.size > kBufferSize) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::uint64_t total = 0;
  ssize_t n = fill(fd, buf);
  if (n >= 0 && static_cast<std::size_t>(n) < kBufferSize) {
    out.hash = canonical(XXH3_128bits(buf, static_cast<std::size_t>(n)));  // all of it
    total = static_cast<std::uint64_t>(n);
  } else if (n >= 0) {
    XXH3_128bits_reset(state);
    do {
      XXH3_128bits_update(state, buf, static_cast<std::size_t>(n));
      total += static_cast<std::uint64_t>(n);
    } while ((n = fill(fd, buf)) > 0);
    out.hash = canonical(XXH3_128bits_digest(state));
  }
  if (n < 0) {
    ::close(fd);
    return static_cast<int>(-n);
  }
  struct stat st{};
  out.size = total;
  out.stable = ::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) == total &&
               total == f.stat.size && ns(st.st_mtim) == f.stat.mtime_ns &&
               ns(st.st_ctim) == f.stat.ctime_ns &&
               static_cast<std::uint64_t>(st.st_ino) == f.stat.inode;
  ::close(fd);
  return 0;
}

}  // namespace

Result<void> hash_files(int root_fd, const std::vector<Found>& found,
                        const std::vector<std::size_t>& todo, unsigned threads,
                        const std::function<void(const ScanProgress&)>& on_progress,
                        std::vector<Hashed>& out) {
  ScanProgress progress;
  progress.files_to_hash = todo.size();
  for (auto i : todo) progress.bytes_to_hash += found[i].stat.size;
  std::atomic<std::size_t> next{0};
  std::mutex mu;           // guards progress, first_error, and calls of on_progress
  std::string first_error;

  auto work = [&] {
    std::unique_ptr<char[]> buf(new char[kBufferSize]);
    std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), XXH3_freeState);
    for (std::size_t k; (k = next.fetch_add(1)) < todo.size();) {
      const std::size_t i = todo[k];
      const int err = hash_one(root_fd, found[i], buf.get(), state.get(), out[i]);
      std::lock_guard lock(mu);
      if (err) {
        if (first_error.empty())
          first_error = "cannot read '" + found[i].path + "': " + std::strerror(err) +
                        (err == ENOENT ? " (it vanished during the scan; run again)" : "");
        next.store(todo.size());
        return;
      }
      ++progress.files_hashed;
      progress.bytes_hashed += out[i].size;
      if (on_progress) on_progress(progress);
    }
  };

  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(todo.size())));
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  pool.clear();  // joins
  if (!first_error.empty()) return fail(Errc::io, first_error);
  return {};
}

}  // namespace lab::files
