// scan(): walk, reuse cached hashes, hash the rest in parallel, sort, remember.
#include <lab/files/scan.hpp>
#include <lab/sys/clock.hpp>

#include "hasher.hpp"
#include "stat_cache.hpp"
#include "walk.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace lab::files {
namespace {

namespace fs = std::filesystem;

// A file whose change time is this close to the scan's start may still be written within
// the same timestamp tick (filesystems keep 1-2 s or coarse-tick times), so its hash is not
// remembered and the next scan reads it again ("racy git" in git's index).
constexpr std::int64_t kRacyWindowNs = 3'000'000'000;

struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

Result<fs::path> resolve_root(const fs::path& root) {
  std::error_code ec;
  const auto st = fs::status(root, ec);
  const std::string quoted = std::string("'").append(root.string()).append("'");
  if (ec || !fs::exists(st))
    return fail(Errc::not_found, "the folder " + quoted + " does not exist");
  if (!fs::is_directory(st))
    return fail(Errc::invalid_argument, quoted + " is not a folder; give a project folder");
  auto canon = fs::canonical(root, ec);
  if (ec) return fail(Errc::io, "cannot resolve " + quoted + ": " + ec.message());
  return canon;
}

}  // namespace

fs::path default_cache_dir() {
  if (const char* d = std::getenv("LAB_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "lab";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "lab";
  return {};
}

Result<Manifest> scan(const fs::path& root_arg, const ScanOptions& options, ScanReport* report) {
  ScanReport local;
  ScanReport& rep = report ? *report : local;
  auto root = resolve_root(root_arg);
  if (!root) return std::unexpected(root.error());
  const int root_fd = ::open(root->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return fail(errno == EACCES ? Errc::permission_denied : Errc::io,
                "cannot open the folder '" + root->string() + "': " + std::strerror(errno));
  FdCloser closer{root_fd};
  const std::int64_t start_ns = (options.clock ? *options.clock : sys::real_clock()).now_ms() * 1'000'000;

  IgnoreStack stack;
  if (options.git_excludes)
    for (auto& list : git_fallback_lists(*root)) stack.add_fallback(std::move(list));
  WalkResult walked = walk(root_fd, stack, options.collect_ignored, options.gitignore);
  rep.warnings = std::move(walked.warnings);
  rep.ignored = std::move(walked.ignored);
  std::sort(rep.ignored.begin(), rep.ignored.end(),
            [](const IgnoredEntry& a, const IgnoredEntry& b) { return a.path < b.path; });

  std::vector<Found>& found = walked.found;
  std::vector<Hashed> hashed(found.size());
  std::vector<std::size_t> todo;
  const fs::path cache_dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  const bool use_cache = options.hash && options.use_stat_cache && !cache_dir.empty();
  const fs::path cache_file = use_cache ? StatCache::file_for(cache_dir, root->string()) : fs::path();
  StatCache cache;
  if (use_cache) cache = StatCache::load(cache_file, root->string());

  if (options.hash) {
    for (std::size_t i = 0; i < found.size(); ++i) {
      const Found& f = found[i];
      if (f.kind == EntryKind::symlink) {
        hashed[i] = {Hash128::of(f.target), f.target.size(), true};
      } else if (const Hash128* h = use_cache ? cache.find(f.path, f.stat) : nullptr) {
        hashed[i] = {*h, f.stat.size, true};
        ++rep.cache_hits;
      } else {
        todo.push_back(i);
      }
    }
    // Biggest first, so one large file does not finish alone at the end.
    std::sort(todo.begin(), todo.end(),
              [&](std::size_t a, std::size_t b) { return found[a].stat.size > found[b].stat.size; });
    const unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (auto r = hash_files(root_fd, found, todo, threads, options.on_progress, hashed); !r)
      return std::unexpected(r.error());
    rep.files_hashed = todo.size();
    for (auto i : todo) rep.bytes_hashed += hashed[i].size;
  }

  Manifest m;
  m.entries.reserve(found.size());
  std::vector<CachedFile> remember;
  for (std::size_t i = 0; i < found.size(); ++i) {
    Found& f = found[i];
    Entry e;
    e.kind = f.kind;
    e.executable = f.executable;
    e.size = options.hash ? hashed[i].size : f.stat.size;
    e.hash = hashed[i].hash;
    e.target = std::move(f.target);
    if (use_cache && f.kind == EntryKind::file) {
      const bool racy = std::max(f.stat.mtime_ns, f.stat.ctime_ns) >= start_ns - kRacyWindowNs;
      if (hashed[i].stable && !racy) remember.push_back({f.path, f.stat, hashed[i].hash});
    }
    e.path = std::move(f.path);
    m.entries.push_back(std::move(e));
  }
  std::sort(m.entries.begin(), m.entries.end(),
            [](const Entry& a, const Entry& b) { return a.path < b.path; });

  // Rewrite the cache only when it would change: new hashes, or entries gone.
  if (use_cache && (rep.files_hashed > 0 || remember.size() != cache.size())) {
    if (auto r = StatCache::save(cache_file, root->string(), remember); r) rep.cache_written = true;
    else rep.warnings.push_back(r.error().message);
  }
  return m;
}

}  // namespace lab::files
