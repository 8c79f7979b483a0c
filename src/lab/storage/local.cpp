// The `local` backend: each object is the file <root>/<key>. Writes go to a temp file in the
// same folder (named with the reserved ".lab-" prefix, so never a key and never listed), which
// is fsynced and renamed over the object, then the folder is fsynced.
#include <lab/storage/local.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include <lab/storage/key.hpp>

namespace lab::storage {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr int kRaceRetries = 5;  // a concurrent remove may prune a folder a put just made

std::string errno_text(int err) { return std::strerror(err); }

// Closes an fd when it goes out of scope.
struct FdGuard {
  int fd = -1;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

Result<void> write_all(int fd, const std::byte* data, std::size_t n, const fs::path& where) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return fail(Errc::io, "cannot write '" + where.string() + "': " + errno_text(errno));
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return {};
}

class LocalStorage final : public Storage {
 public:
  explicit LocalStorage(fs::path root) : root_(std::move(root)), salt_(std::random_device{}()) {}

  Result<void> put_file(std::string_view key, const fs::path& path) override {
    FdGuard in{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) {
      return fail(errno == ENOENT ? Errc::not_found : Errc::io,
                  "cannot read '" + path.string() + "' to store it: " + errno_text(errno));
    }
    ReadFn read = [&](std::span<std::byte> buf) -> Result<std::size_t> {
      for (;;) {
        ssize_t n = ::read(in.fd, buf.data(), buf.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) return fail(Errc::io, "cannot read '" + path.string() + "': " + errno_text(errno));
      }
    };
    return put_stream(key, read, std::nullopt);
  }

  Result<void> put_stream(std::string_view key, const ReadFn& read, std::optional<std::uint64_t> size) override {
    if (auto v = validate_key(key); !v) return v;
    fs::path target = root_ / std::string(key);
    auto tmp = open_temp(target);
    if (!tmp) return std::unexpected(tmp.error());
    auto& [tmp_path, fd] = *tmp;
    auto written = copy_in(read, fd, tmp_path);
    Result<void> r;
    if (!written) {
      r = std::unexpected(written.error());
    } else if (size && *written != *size) {
      r = fail(Errc::invalid_argument, "the data for '" + std::string(key) + "' was " + std::to_string(*written) +
                                           " bytes, not the " + std::to_string(*size) + " announced; nothing was stored");
    } else if (::fsync(fd) != 0) {
      r = fail(Errc::io, "cannot flush '" + tmp_path.string() + "' to disk: " + errno_text(errno));
    }
    ::close(fd);
    if (r && ::rename(tmp_path.c_str(), target.c_str()) != 0) {
      int err = errno;
      r = err == EISDIR || err == ENOTEMPTY || err == EEXIST
              ? fail(Errc::conflict, "cannot store '" + std::string(key) +
                                         "': other keys already live under it as a folder in local storage")
              : fail(Errc::io, "cannot store '" + target.string() + "': " + errno_text(err));
    }
    if (!r) {
      ::unlink(tmp_path.c_str());
      return r;
    }
    sync_dir(target.parent_path());
    return {};
  }

  Result<void> get_file(std::string_view key, const fs::path& path, std::optional<ByteRange> range) override {
    if (auto v = validate_key(key); !v) return v;
    fs::path part = path.parent_path() / (".lab-part-" + path.filename().string() + "-" + unique_suffix());
    FdGuard out{::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
    if (out.fd < 0) return fail(Errc::io, "cannot create '" + part.string() + "': " + errno_text(errno));
    WriteFn write = [&](std::span<const std::byte> chunk) { return write_all(out.fd, chunk.data(), chunk.size(), part); };
    auto r = get_stream(key, write, range);
    if (r && ::rename(part.c_str(), path.c_str()) != 0) {
      r = fail(Errc::io, "cannot write '" + path.string() + "': " + errno_text(errno));
    }
    if (!r) ::unlink(part.c_str());
    return r;
  }

  Result<void> get_stream(std::string_view key, const WriteFn& write, std::optional<ByteRange> range) override {
    if (auto v = validate_key(key); !v) return v;
    fs::path path = root_ / std::string(key);
    FdGuard in{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (in.fd < 0) return missing_or_failed(key, errno);
    struct stat st{};
    if (::fstat(in.fd, &st) != 0) return fail(Errc::io, "cannot stat '" + path.string() + "': " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) return missing_or_failed(key, ENOENT);
    auto total = static_cast<std::uint64_t>(st.st_size);
    std::uint64_t begin = range ? std::min(range->offset, total) : 0;
    std::uint64_t end = total;
    if (range && range->length) end = begin + std::min(*range->length, total - begin);
    std::vector<std::byte> buf(kChunkBytes);
    for (std::uint64_t at = begin; at < end;) {
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), end - at));
      ssize_t n = ::pread(in.fd, buf.data(), want, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(Errc::io, "cannot read '" + path.string() + "': " + errno_text(errno));
      if (n == 0) break;  // cannot happen for an object replaced by rename; be safe anyway
      if (auto w = write(std::span<const std::byte>(buf.data(), static_cast<std::size_t>(n))); !w) return w;
      at += static_cast<std::uint64_t>(n);
    }
    return {};
  }

  Result<bool> exists(std::string_view key) override {
    auto s = size(key);
    if (s) return true;
    if (s.error().code == Errc::not_found) return false;
    return std::unexpected(s.error());
  }

  Result<std::uint64_t> size(std::string_view key) override {
    if (auto v = validate_key(key); !v) return std::unexpected(v.error());
    struct stat st{};
    if (::lstat((root_ / std::string(key)).c_str(), &st) != 0) return missing_or_failed(key, errno);
    if (!S_ISREG(st.st_mode)) return missing_or_failed(key, ENOENT);
    return static_cast<std::uint64_t>(st.st_size);
  }

  Result<ListPage> list(std::string_view prefix, std::string_view page_token, std::size_t max_keys) override {
    if (!prefix.empty()) {
      if (auto v = validate_key(std::string(prefix) + "x"); !v) {
        return fail(Errc::invalid_argument, "invalid list prefix '" + std::string(prefix) + "': " + v.error().message);
      }
    }
    if (!page_token.empty()) {
      if (auto v = validate_key(page_token); !v) return fail(Errc::invalid_argument, "invalid page token");
    }
    if (max_keys == 0 || max_keys > kMaxListPage) max_keys = kMaxListPage;
    // Only the folder the prefix's complete segments name can hold matches.
    std::string_view folder = prefix.substr(0, prefix.rfind('/') == std::string_view::npos ? 0 : prefix.rfind('/'));
    std::vector<ObjectInfo> found;
    for (int attempt = 0;; ++attempt) {
      found.clear();
      auto walked = walk(root_ / std::string(folder), prefix, page_token, found);
      if (walked) break;
      if (attempt >= kRaceRetries) return std::unexpected(walked.error());
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    ListPage page;
    if (found.size() > max_keys) {
      found.resize(max_keys);
      page.next_token = found.back().key;
    }
    page.objects = std::move(found);
    return page;
  }

  Result<void> remove(std::string_view key) override {
    if (auto v = validate_key(key); !v) return v;
    fs::path path = root_ / std::string(key);
    if (::unlink(path.c_str()) != 0) {
      int err = errno;
      if (err == EISDIR || err == EPERM) {  // a folder of other keys: no object of this name
        struct stat st{};
        if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
      }
      auto r = missing_or_failed(key, err);
      if (r.error().code == Errc::not_found) return {};
      return std::unexpected(r.error());
    }
    prune_empty_parents(path.parent_path());
    return {};
  }

 private:
  // Not-found answers only come from a healthy store: if the root itself is gone or not a
  // folder, the answer is Errc::io.
  std::unexpected<Error> missing_or_failed(std::string_view key, int err) {
    struct stat st{};
    if (::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return fail(Errc::io, "local storage root '" + root_.string() + "' is missing or not a folder");
    }
    if (err == ENOENT || err == ENOTDIR || err == ELOOP) return fail(Errc::not_found, "no object '" + std::string(key) + "' in storage");
    return fail(Errc::io, "cannot read object '" + std::string(key) + "' under '" + root_.string() + "': " + errno_text(err));
  }

  std::string unique_suffix() {
    return std::to_string(::getpid()) + "-" + std::to_string(salt_) + "-" + std::to_string(counter_++);
  }

  // Creates the object's folder and an exclusive temp file in it.
  Result<std::pair<fs::path, int>> open_temp(const fs::path& target) {
    fs::path dir = target.parent_path();
    for (int attempt = 0;; ++attempt) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) {
        if (ec == std::errc::not_a_directory || ec == std::errc::file_exists) {
          return fail(Errc::conflict, "cannot store '" + target.lexically_relative(root_).string() +
                                          "': a part of its key is already an object in local storage");
        }
        return fail(Errc::io, "cannot create the folder '" + dir.string() + "': " + ec.message());
      }
      fs::path tmp = dir / (std::string(kReservedSegmentPrefix) + "tmp-" + unique_suffix());
      int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd >= 0) return std::pair{tmp, fd};
      if (errno != ENOENT || attempt >= kRaceRetries) {
        return fail(Errc::io, "cannot create a temp file in '" + dir.string() + "': " + errno_text(errno));
      }
    }
  }

  Result<std::uint64_t> copy_in(const ReadFn& read, int fd, const fs::path& tmp) {
    std::vector<std::byte> buf(kChunkBytes);
    std::uint64_t total = 0;
    for (;;) {
      auto n = read(buf);
      if (!n) return std::unexpected(n.error());
      if (*n == 0) return total;
      if (auto w = write_all(fd, buf.data(), std::min(*n, buf.size()), tmp); !w) return std::unexpected(w.error());
      total += *n;
    }
  }

  // Adds every object under `dir` whose key starts with `prefix` and sorts after `after`.
  // Fails (to be retried) if the tree changed under the walk.
  Result<void> walk(const fs::path& dir, std::string_view prefix, std::string_view after,
                    std::vector<ObjectInfo>& found) {
    struct stat st{};
    if (::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return fail(Errc::io, "local storage root '" + root_.string() + "' is missing or not a folder");
    }
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, ec), end;
    if (ec) {
      if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) return {};
      return fail(Errc::io, "cannot list '" + dir.string() + "': " + ec.message());
    }
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      std::string name = it->path().filename().string();
      if (name.starts_with(kReservedSegmentPrefix)) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
      std::string key = it->path().lexically_relative(root_).generic_string();
      if (!key.starts_with(prefix) || key <= after) continue;
      auto bytes = it->file_size(ec);
      if (ec) continue;  // removed since it was listed
      found.push_back({std::move(key), bytes});
    }
    if (ec) return fail(Errc::io, "cannot list '" + dir.string() + "': " + ec.message());
    return {};
  }

  static void sync_dir(const fs::path& dir) {
    FdGuard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd >= 0) ::fsync(d.fd);
  }

  // Removes now-empty folders from `dir` up to (not including) the root; best effort.
  void prune_empty_parents(fs::path dir) {
    while (dir != root_ && dir.string().size() > root_.string().size()) {
      if (::rmdir(dir.c_str()) != 0) return;
      dir = dir.parent_path();
    }
  }

  const fs::path root_;
  const std::uint64_t salt_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace

Result<std::unique_ptr<Storage>> make_local_storage(const StorageOptions& options) {
  if (options.root.empty()) return fail(Errc::invalid_argument, "local storage needs a root folder (storage.root)");
  std::error_code ec;
  fs::create_directories(options.root, ec);
  if (ec || !fs::is_directory(options.root)) {
    return fail(Errc::io, "cannot use '" + options.root.string() + "' as local storage root: " +
                              (ec ? ec.message() : std::string("it is not a folder")));
  }
  fs::path root = fs::absolute(options.root, ec).lexically_normal();
  if (root.has_filename() == false) root = root.parent_path();
  return std::unique_ptr<Storage>(new LocalStorage(root));
}

}  // namespace lab::storage
