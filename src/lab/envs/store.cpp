#include "store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

namespace lab::envs::detail {

namespace fs = std::filesystem;

bool is_key(std::string_view name) {
  return name.size() == 32 && name.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::optional<fs::path> ready_build(const fs::path& envs, const std::string& key) {
  std::error_code ec;
  fs::path target = fs::read_symlink(envs / key, ec);
  if (ec) return std::nullopt;
  fs::path build = target.is_absolute() ? target : envs / target;
  if (!fs::exists(build / kMarker, ec)) return std::nullopt;
  return build;
}

int open_lock(const fs::path& envs, const std::string& key) {
  std::error_code ec;
  fs::create_directories(envs / "locks", ec);
  return ::open((envs / "locks" / (key + ".lock")).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

bool lock_exclusive(int fd, bool wait) {
  int rc;
  do rc = ::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
  while (rc != 0 && errno == EINTR);
  return rc == 0;
}

bool lock_shared(int fd) {
  int rc;
  do rc = ::flock(fd, LOCK_SH);
  while (rc != 0 && errno == EINTR);
  return rc == 0;
}

void close_fd(int fd) {
  if (fd >= 0) ::close(fd);
}

std::uint64_t disk_usage(const fs::path& dir) {
  std::uint64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (st.st_nlink > 1 && !seen.insert({st.st_dev, st.st_ino}).second) continue;
    total += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

void touch(const fs::path& file, std::int64_t epoch_ms) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = epoch_ms / 1000;
  times[0].tv_nsec = times[1].tv_nsec = (epoch_ms % 1000) * 1'000'000;
  ::futimens(fd, times);
  ::close(fd);
}

std::int64_t mtime_ms(const fs::path& file) {
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

Result<void> write_atomically(const fs::path& file, const std::string& text) {
  fs::path tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(Errc::io, "cannot write " + tmp.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return fail(Errc::io, "cannot write " + tmp.string() + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), file.c_str()) != 0)
    return fail(Errc::io, "cannot rename " + tmp.string() + ": " + std::strerror(errno));
  return {};
}

}  // namespace lab::envs::detail
