#include <lab/datasets/cache.hpp>

#include <lab/storage/layout.hpp>

#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

namespace lab::datasets {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPartial = ".partial-";

// Callers of `get` in this process per copy ("<dir>/<hash>"), to say how many share a fill.
std::mutex g_mu;
std::map<std::string, int> g_callers;  // guarded by g_mu
std::atomic<std::uint64_t> g_serial{0};

// Counts one caller of `key` for its lifetime.
class Caller {
 public:
  explicit Caller(std::string key) : key_(std::move(key)) {
    std::lock_guard lock(g_mu);
    ++g_callers[key_];
  }
  ~Caller() {
    std::lock_guard lock(g_mu);
    if (--g_callers[key_] <= 0) g_callers.erase(key_);
  }
  int others() const {
    std::lock_guard lock(g_mu);
    auto it = g_callers.find(key_);
    return it == g_callers.end() ? 0 : it->second - 1;
  }

 private:
  std::string key_;
};

// An exclusive flock on a lock file, released when it goes out of scope.
class FileLock {
 public:
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Result<void> open(const fs::path& file) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return fail(Errc::io, "cannot open the lock file " + file.string() + ": " + std::strerror(errno));
    return {};
  }
  // False when someone else holds it.
  bool try_lock() { return ::flock(fd_, LOCK_EX | LOCK_NB) == 0; }
  // Blocks until it holds the lock, or until `stop` says true (asked every 50 ms).
  Result<void> lock(const fs::path& file, const Stop& stop) {
    if (stop) {
      while (!try_lock()) {
        if (errno != EWOULDBLOCK && errno != EINTR)
          return fail(Errc::io, "cannot lock " + file.string() + ": " + std::strerror(errno));
        if (stop()) return fail(Errc::unavailable, "stopped while waiting for another task to fetch the dataset");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      return {};
    }
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) return fail(Errc::io, "cannot lock " + file.string() + ": " + std::strerror(errno));
    return {};
  }

 private:
  int fd_ = -1;
};

// Files 0444 (0555 when any execute bit is set), folders 0555; symlinks untouched.
Result<void> make_read_only(const fs::path& root) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_symlink(st)) continue;
    fs::perms mode = fs::perms(0555);
    if (fs::is_regular_file(st))
      mode = (st.permissions() & (fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec)) != fs::perms::none
                 ? fs::perms(0555)
                 : fs::perms(0444);
    fs::permissions(it->path(), mode, fs::perm_options::replace | fs::perm_options::nofollow, ec);
    if (ec) return fail(Errc::io, "cannot make " + it->path().string() + " read-only: " + ec.message());
  }
  if (ec) return fail(Errc::io, "cannot walk " + root.string() + ": " + ec.message());
  fs::permissions(root, fs::perms(0555), ec);
  if (ec) return fail(Errc::io, "cannot make " + root.string() + " read-only: " + ec.message());
  return {};
}

}  // namespace

Result<void> remove_tree(const fs::path& path) {
  std::error_code ec;
  const auto top = fs::symlink_status(path, ec);
  if (!fs::exists(top)) return {};
  if (fs::is_directory(top)) {
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_directory(ec) && !it->is_symlink(ec))
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  ec.clear();
  fs::remove_all(path, ec);
  if (ec) return fail(Errc::io, "cannot remove " + path.string() + ": " + ec.message());
  return {};
}

Cache::Cache(fs::path dir) {
  std::error_code ec;
  dir_ = fs::absolute(dir, ec).lexically_normal();
  if (ec) dir_ = dir.lexically_normal();
}

std::optional<fs::path> Cache::find(std::string_view hash) const {
  if (!storage::layout::validate_hash(hash)) return std::nullopt;
  const fs::path p = dir_ / std::string(hash);
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(p, ec))) return p;
  return std::nullopt;
}

Result<Copy> Cache::get(std::string_view hash_view, const Fill& fill, const OnWait& on_wait, const Stop& stop) {
  if (auto v = storage::layout::validate_hash(hash_view); !v)
    return fail(Errc::invalid_argument, "'" + std::string(hash_view) + "' is not a dataset hash");
  const std::string hash(hash_view);
  if (auto ready = find(hash)) return Copy{*ready, false};
  std::error_code ec;
  fs::create_directories(dir_ / ".locks", ec);
  if (ec) return fail(Errc::io, "cannot create the dataset cache " + dir_.string() + ": " + ec.message());

  Caller me((dir_ / hash).string());
  const fs::path lock_file = dir_ / ".locks" / (hash + ".lock");
  FileLock lock;
  if (auto o = lock.open(lock_file); !o) return std::unexpected(o.error());
  if (!lock.try_lock()) {
    if (on_wait) on_wait(std::max(1, me.others()));
    if (auto l = lock.lock(lock_file, stop); !l) return std::unexpected(l.error());
  }
  if (auto ready = find(hash)) return Copy{*ready, false};  // made meanwhile
  return fill_locked(hash, fill);
}

Result<Copy> Cache::fill_locked(const std::string& hash, const Fill& fill) {
  std::error_code ec;
  // Leftovers of this hash's interrupted fills: nobody else can be filling it now.
  const std::string stale = std::string(kPartial) + hash + "-";
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().starts_with(stale)) (void)remove_tree(it->path());

  const fs::path tmp = dir_ / (stale + std::to_string(::getpid()) + "-" + std::to_string(++g_serial));
  fs::create_directory(tmp, ec);
  if (ec) return fail(Errc::io, "cannot create " + tmp.string() + ": " + ec.message());
  auto give_up = [&](const Error& e) -> Result<Copy> {
    (void)remove_tree(tmp);
    return std::unexpected(e);
  };
  if (auto f = fill(tmp); !f) return give_up(f.error());
  if (auto r = make_read_only(tmp); !r) return give_up(r.error());
  const fs::path final_path = dir_ / hash;
  fs::rename(tmp, final_path, ec);
  if (ec) return give_up(Error{Errc::io, "cannot move the dataset into " + final_path.string() + ": " + ec.message()});
  return Copy{final_path, true};
}

}  // namespace lab::datasets
