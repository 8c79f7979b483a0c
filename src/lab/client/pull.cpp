#include <lab/client/pull.hpp>

#include <lab/files/ignore.hpp>
#include <lab/util/parallel.hpp>

#include <mutex>

#include <unistd.h>

namespace lab::client {

namespace fs = std::filesystem;

Result<fs::path> result_destination(const fs::path& dir, std::string_view path) {
  const std::string p(path);
  auto refuse = [&](const std::string& why) {
    return fail(Errc::invalid_argument, "refusing result path \"" + p + "\": " + why);
  };
  if (p.empty()) return refuse("it is empty");
  if (p.find('\0') != std::string::npos) return refuse("it contains a NUL byte");
  if (p.front() == '/' || fs::path(p).is_absolute()) return refuse("it is absolute, so it would land outside " + dir.string());
  std::size_t start = 0;
  while (start <= p.size()) {
    auto slash = p.find('/', start);
    std::string part = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") return refuse("it climbs out of " + dir.string() + " with \"..\"");
    if (part.empty() || part == ".") return refuse("it has an empty or \".\" part");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return dir / fs::path(p);
}

namespace {

// A folder on the way from `dir` to `dest` that is a symlink (which could lead outside `dir`),
// or "" when there is none.
std::string symlinked_folder(const fs::path& dir, const fs::path& dest) {
  fs::path at = dir;
  for (const auto& part : dest.lexically_relative(dir).parent_path()) {
    at /= part;
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(at, ec))) return at.string();
  }
  return "";
}

}  // namespace

bool selected(const std::vector<std::string>& globs, std::string_view path) {
  if (globs.empty()) return true;
  for (std::string g : globs) {
    while (g.size() > 1 && g.back() == '/') g.pop_back();
    if (files::wildmatch(g, path, true)) return true;
    if (path.size() > g.size() && path.starts_with(g) && path[g.size()] == '/') return true;
    if (files::wildmatch(g + "/**", path, true)) return true;
  }
  return false;
}

namespace {

// Downloads `f` into `dest` through a temporary file renamed into place when whole.
Result<void> download_one(ProxyClient& client, const std::string& id, const ResultFile& f, const fs::path& dest,
                          const ByteProgress& progress) {
  std::error_code ec;
  fs::path part = dest.string() + ".lab-part-" + std::to_string(::getpid());
  auto r = client.download_result(id, f.path, part, progress);
  if (!r) {
    fs::remove(part, ec);
    return std::unexpected(r.error());
  }
  fs::rename(part, dest, ec);
  if (ec) {
    fs::remove(part, ec);
    return fail(Errc::io, "cannot move the download into " + dest.string() + ": " + ec.message());
  }
  return {};
}

// Connections to the proxy for the threads downloading small files: the given one, and more
// opened on first need. Thread-safe.
class Connections {
 public:
  Connections(ProxyClient& first, const std::function<Result<std::unique_ptr<ProxyClient>>()>& connect)
      : connect_(connect) {
    idle_.push_back(&first);
  }
  Result<ProxyClient*> take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        ProxyClient* c = idle_.back();
        idle_.pop_back();
        return c;
      }
    }
    auto c = connect_();
    if (!c) return std::unexpected(c.error());
    std::lock_guard lock(mu_);
    owned_.push_back(std::move(*c));
    return owned_.back().get();
  }
  void give_back(ProxyClient* c) {
    std::lock_guard lock(mu_);
    idle_.push_back(c);
  }

 private:
  const std::function<Result<std::unique_ptr<ProxyClient>>()>& connect_;
  std::mutex mu_;
  std::vector<ProxyClient*> idle_;                    // guarded by mu_
  std::vector<std::unique_ptr<ProxyClient>> owned_;  // guarded by mu_
};

}  // namespace

Result<PullSummary> pull_results(ProxyClient& client, const std::string& id, const PullOptions& options) {
  auto list = client.results(id);
  if (!list) return std::unexpected(list.error());
  PullSummary summary;
  summary.complete = list->complete;
  // Every destination is checked and its folder made first, one after another; then the
  // downloads run (small files several at once when `connect` is set).
  struct Job {
    const ResultFile* file;
    fs::path dest;
  };
  std::vector<Job> large, small;
  for (const auto& f : list->files) {
    if (!selected(options.globs, f.path)) continue;
    auto dest = result_destination(options.dir, f.path);
    if (!dest) {
      summary.refused.push_back(dest.error().message);
      continue;
    }
    if (auto link = symlinked_folder(options.dir, *dest); !link.empty()) {
      summary.refused.push_back("refusing result path \"" + f.path + "\": " + link + " is a symbolic link, which could lead outside " +
                                options.dir.string());
      continue;
    }
    std::error_code ec;
    fs::create_directories(dest->parent_path(), ec);
    if (ec) return fail(Errc::io, "cannot create " + dest->parent_path().string() + ": " + ec.message());
    (options.connect && f.size < kPullSmallFileBytes ? small : large).push_back({&f, *dest});
  }
  for (const auto& j : large) {
    if (options.on_file) options.on_file(*j.file, j.dest);
    if (auto r = download_one(client, id, *j.file, j.dest, options.progress); !r) return std::unexpected(r.error());
    summary.pulled.push_back(*j.file);
  }
  if (!small.empty()) {
    Connections connections(client, options.connect);
    std::mutex mu;
    auto done = util::parallel_for(small.size(), kPullConnections, [&](std::size_t i) -> Result<void> {
      if (options.on_file) {
        std::lock_guard lock(mu);
        options.on_file(*small[i].file, small[i].dest);
      }
      auto c = connections.take();
      if (!c) return std::unexpected(c.error());
      auto r = download_one(**c, id, *small[i].file, small[i].dest, {});
      connections.give_back(*c);
      return r;
    });
    if (!done) return std::unexpected(done.error());
    for (const auto& j : small) summary.pulled.push_back(*j.file);
  }
  return summary;
}

}  // namespace lab::client
