// Directory walk with openat/getdents64/fstatat: one syscall per directory read and one
// lstat per kept entry; ignored entries are never stat'ed and ignored directories never read.
#include "walk.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lab::files {
namespace {

constexpr const char* kIgnoreFiles[] = {".gitignore", ".labignore"};  // later wins

std::int64_t ns(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

struct DirEntry {
  std::string name;
  unsigned char type;
};

class Walker {
 public:
  Walker(IgnoreStack& stack, bool collect, bool gitignore) : stack_(stack), collect_(collect), gitignore_(gitignore) {}
  void dir(int fd, std::string& prefix);
  WalkResult result;

 private:
  bool read_entries(int fd, const std::string& prefix, std::vector<DirEntry>& out);
  std::vector<IgnoreList> read_ignore_files(int fd, const std::string& prefix,
                                            const std::vector<DirEntry>& entries);
  void left_out(std::string path, std::string reason) {
    if (collect_) result.ignored.push_back({std::move(path), std::move(reason)});
  }

  IgnoreStack& stack_;
  bool collect_;
  bool gitignore_;
  std::vector<char> buf_ = std::vector<char>(64 * 1024);
};

bool Walker::read_entries(int fd, const std::string& prefix, std::vector<DirEntry>& out) {
  while (true) {
    const ssize_t n = ::getdents64(fd, buf_.data(), buf_.size());
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      result.warnings.push_back("cannot read the folder '" + (prefix.empty() ? "." : prefix) +
                                "': " + std::strerror(errno) + "; its files are left out");
      return false;
    }
    for (ssize_t off = 0; off < n;) {
      const auto* d = reinterpret_cast<const struct dirent64*>(buf_.data() + off);
      off += d->d_reclen;
      const std::string_view name = d->d_name;
      if (name == "." || name == "..") continue;
      out.push_back({std::string(name), d->d_type});
    }
  }
}

std::vector<IgnoreList> Walker::read_ignore_files(int fd, const std::string& prefix,
                                                  const std::vector<DirEntry>& entries) {
  std::vector<IgnoreList> lists;
  for (const char* file : kIgnoreFiles) {
    if (!gitignore_ && std::string_view(file) == ".gitignore") continue;
    bool present = false;
    for (const auto& e : entries) present = present || e.name == file;
    if (!present) continue;
    // Like git, an ignore file that is a symlink is not followed.
    const int f = ::openat(fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (f < 0) continue;
    std::string text;
    char chunk[16384];
    ssize_t n;
    while ((n = ::read(f, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) text.append(chunk, static_cast<std::size_t>(n));
    const bool failed = n < 0 && errno != EISDIR;
    ::close(f);
    if (failed) {
      result.warnings.push_back("cannot read '" + prefix + file + "': " + std::strerror(errno));
      continue;
    }
    lists.push_back(parse_ignore(text, prefix, prefix + file));
  }
  return lists;
}

void Walker::dir(int fd, std::string& prefix) {
  std::vector<DirEntry> entries;
  if (!read_entries(fd, prefix, entries)) return;
  stack_.push(read_ignore_files(fd, prefix, entries));
  const std::size_t base = prefix.size();
  for (auto& e : entries) {
    prefix.resize(base);
    prefix += e.name;
    struct stat st{};
    bool have_stat = false;
    if (e.type == DT_UNKNOWN) {
      if (::fstatat(fd, e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone
      have_stat = true;
      e.type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG
             : S_ISLNK(st.st_mode) ? DT_LNK : DT_FIFO;
    }
    const bool is_dir = e.type == DT_DIR;
    if (e.name == ".git") {
      left_out(prefix + (is_dir ? "/" : ""), "always left out");
      continue;
    }
    if (e.type != DT_DIR && e.type != DT_REG && e.type != DT_LNK) {
      left_out(prefix, "not a regular file, folder or symlink");
      continue;
    }
    if (const IgnoreMatch m = stack_.match(prefix, is_dir); m.excluded()) {
      left_out(prefix + (is_dir ? "/" : ""), m.describe());
      continue;
    }
    if (is_dir) {
      const int sub = ::openat(fd, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        result.warnings.push_back("cannot open the folder '" + prefix + "': " +
                                  std::strerror(errno) + "; its files are left out");
        continue;
      }
      prefix += '/';
      dir(sub, prefix);
      ::close(sub);
      continue;
    }
    if (!have_stat && ::fstatat(fd, e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    Found f;
    f.stat = {static_cast<std::uint64_t>(st.st_size), ns(st.st_mtim), ns(st.st_ctim),
              static_cast<std::uint64_t>(st.st_ino)};
    if (S_ISLNK(st.st_mode)) {
      f.kind = EntryKind::symlink;
      f.target.resize(static_cast<std::size_t>(st.st_size) + 1);
      const ssize_t n = ::readlinkat(fd, e.name.c_str(), f.target.data(), f.target.size());
      if (n < 0) continue;  // replaced meanwhile
      f.target.resize(static_cast<std::size_t>(n));
    } else if (S_ISREG(st.st_mode)) {
      f.executable = (st.st_mode & S_IXUSR) != 0;
    } else {
      continue;  // changed type since the directory was read
    }
    f.path = prefix;
    result.found.push_back(std::move(f));
  }
  prefix.resize(base);
  stack_.pop();
}

}  // namespace

WalkResult walk(int root_fd, IgnoreStack& stack, bool collect_ignored, bool gitignore) {
  Walker w(stack, collect_ignored, gitignore);
  std::string prefix;
  w.dir(root_fd, prefix);
  return std::move(w.result);
}

}  // namespace lab::files
