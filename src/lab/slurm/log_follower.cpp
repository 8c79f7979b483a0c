#include <lab/slurm/log_follower.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lab::slurm {

Result<std::string> LogFollower::read_new(std::size_t max_bytes) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return fail(Errc::io, "cannot read the task's output " + path_.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return fail(Errc::io, "cannot read the task's output " + path_.string() + ": " + std::strerror(e));
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < offset_) offset_ = 0;
  std::string out(static_cast<std::size_t>(std::min<std::uint64_t>(size - offset_, max_bytes)), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  offset_ += got;
  return out;
}

Result<std::string> LogFollower::read_rest() {
  std::string all;
  while (true) {
    auto chunk = read_new();
    if (!chunk) return chunk;
    if (chunk->empty()) return all;
    all += *chunk;
  }
}

}  // namespace lab::slurm
