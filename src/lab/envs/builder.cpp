// ensure(): at most one build per key at a time, waiters sharing its output and result;
// leases pin environments through a shared flock (docs/environments.md, "Locking").
#include <lab/envs/builder.hpp>

#include "build_steps.hpp"
#include "shared.hpp"
#include "store.hpp"

#include <lab/util/strings.hpp>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <mutex>

namespace lab::envs {

namespace fs = std::filesystem;

std::string building_reason(int tasks) {
  std::string r = "preparing: building environment";
  if (tasks > 1)
    r += " (shared with " + std::to_string(tasks - 1) + " other task" + (tasks == 2 ? "" : "s") + ")";
  return r;
}

EnvLease::EnvLease(EnvLease&& o) noexcept { *this = std::move(o); }

EnvLease& EnvLease::operator=(EnvLease&& o) noexcept {
  if (this != &o) {
    release();
    shared_ = std::move(o.shared_);
    key_ = std::move(o.key_);
    root_ = std::move(o.root_);
    lock_fd_ = std::exchange(o.lock_fd_, -1);
    built_ = o.built_;
  }
  return *this;
}

EnvLease::~EnvLease() { release(); }

void EnvLease::release() {
  if (lock_fd_ < 0 || !shared_) return;
  detail::touch(root_.parent_path() / detail::kLastUsed, shared_->clock->now_ms());
  detail::close_fd(std::exchange(lock_fd_, -1));
  std::lock_guard lock(shared_->mu);
  if (--shared_->pins[key_] <= 0) shared_->pins.erase(key_);
}

Builder::Builder(BuilderOptions options, sys::Clock& clock)
    : options_(std::move(options)), clock_(clock), shared_(std::make_shared<Shared>()) {
  std::error_code ec;
  options_.envs_dir = fs::absolute(options_.envs_dir, ec).lexically_normal();
  fs::create_directories(options_.envs_dir / "builds", ec);
  fs::create_directories(options_.envs_dir / "locks", ec);
  shared_->envs = options_.envs_dir;
  shared_->clock = &clock_;
}

Builder::~Builder() = default;

BuilderStats Builder::stats() const {
  std::lock_guard lock(shared_->mu);
  return shared_->stats;
}

int Builder::tasks_waiting(std::string_view key_hex) const {
  std::lock_guard lock(shared_->mu);
  auto it = shared_->waiting.find(key_hex);
  return it == shared_->waiting.end() ? 0 : it->second;
}

std::string Builder::wait_reason(std::string_view key_hex) const { return building_reason(tasks_waiting(key_hex)); }

std::optional<EnvLease> Builder::lease_if_ready(const std::string& key) {
  if (!detail::ready_build(options_.envs_dir, key)) return std::nullopt;
  int fd = detail::open_lock(options_.envs_dir, key);
  if (fd < 0) return std::nullopt;
  // Blocks while the key is being evicted or built by someone else; then look again.
  auto build = detail::lock_shared(fd) ? detail::ready_build(options_.envs_dir, key) : std::nullopt;
  if (!build) {
    detail::close_fd(fd);
    return std::nullopt;
  }
  {
    std::lock_guard lock(shared_->mu);
    ++shared_->pins[key];
  }
  detail::touch(*build / detail::kLastUsed, clock_.now_ms());
  EnvLease lease;
  lease.shared_ = shared_;
  lease.key_ = key;
  lease.root_ = *build / "env";
  lease.lock_fd_ = fd;
  return lease;
}

Result<EnvLease> Builder::ensure(const EnvKey& key, const fs::path& project_dir, const BuildLog& log) {
  if (!key.needs_build()) {
    if (log) log("no environment to build: the task runs on the cluster's Python");
    EnvLease lease;
    lease.key_ = key.hex;
    return lease;
  }
  bool built_here = false;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (auto lease = lease_if_ready(key.hex)) {
      lease->built_ = built_here;
      if (!built_here && log) log("using the cached environment " + key.hex + " (" + key.describe() + ")");
      if (built_here && options_.max_bytes > 0) {
        auto report = evict_to(options_.max_bytes);
        if (report && !report->removed.empty() && log)
          log("removed " + std::to_string(report->removed.size()) + " least recently used environment(s) to stay under " +
              util::human_bytes(options_.max_bytes));
      }
      return std::move(*lease);
    }
    if (auto r = build_shared(key, project_dir, log, built_here); !r) return std::unexpected(r.error());
  }
  return fail(Errc::conflict, "environment " + key.hex + " was removed as soon as it was built; the envs folder's size "
                              "limit is too small for the environments in use (raise [environments] max_size_gb)");
}

Result<void> Builder::build_shared(const EnvKey& key, const fs::path& project_dir, const BuildLog& log, bool& built_here) {
  std::shared_ptr<detail::InFlight> job;
  bool leader = false;
  {
    std::lock_guard lock(shared_->mu);
    auto it = shared_->building.find(key.hex);
    if (it != shared_->building.end()) {
      job = it->second;
    } else {
      job = std::make_shared<detail::InFlight>();
      shared_->building.emplace(key.hex, job);
      ++shared_->stats.builds_started;
      leader = true;
    }
    ++shared_->waiting[key.hex];
  }
  if (!leader) {
    std::unique_lock lock(job->mu);
    if (log) {
      for (const auto& line : job->backlog) log(line);
      job->sinks.push_back(log);
    }
    job->cv.wait(lock, [&] { return job->done; });
    return job->result;
  }

  {
    std::lock_guard lock(job->mu);
    if (log) job->sinks.push_back(log);
  }
  BuildLog fan_out = [job](std::string_view line) {
    std::lock_guard lock(job->mu);
    if (job->backlog.size() >= detail::kMaxBacklog) job->backlog.pop_front();
    job->backlog.emplace_back(line);
    for (const auto& sink : job->sinks) sink(line);
  };
  Result<void> result = build_locked(key, project_dir, fan_out);
  {
    std::lock_guard lock(shared_->mu);
    shared_->building.erase(key.hex);
    shared_->waiting.erase(key.hex);
    ++(result ? shared_->stats.builds_succeeded : shared_->stats.builds_failed);
  }
  {
    std::lock_guard lock(job->mu);
    job->done = true;
    job->result = result;
    job->sinks.clear();
  }
  job->cv.notify_all();
  built_here = result.has_value();
  return result;
}

Result<void> Builder::build_locked(const EnvKey& key, const fs::path& project_dir, const BuildLog& log) {
  const fs::path& envs = options_.envs_dir;
  int fd = detail::open_lock(envs, key.hex);
  if (fd < 0) return fail(Errc::io, "cannot create a lock file in " + (envs / "locks").string());
  struct Closer {
    int fd;
    ~Closer() { detail::close_fd(fd); }
  } closer{fd};
  if (!detail::lock_exclusive(fd, true)) return fail(Errc::io, "cannot lock environment " + key.hex);
  if (detail::ready_build(envs, key.hex)) return {};  // built meanwhile by another process

  std::error_code ec;
  // Leftovers of this key's interrupted builds: nobody else can be building it now.
  for (fs::directory_iterator it(envs / "builds", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().starts_with(key.hex + ".")) fs::remove_all(it->path(), ec);

  std::int64_t started = clock_.steady_ms();
  std::string name = key.hex + "." + std::to_string(clock_.now_ms()) + "." + std::to_string(::getpid());
  fs::path build = envs / "builds" / name;
  fs::create_directories(build, ec);
  if (ec) return fail(Errc::io, "cannot create " + build.string() + ": " + ec.message());
  auto give_up = [&](const Error& e) -> Result<void> {
    std::error_code ec2;
    fs::remove_all(build, ec2);
    log("environment build failed: " + e.message);
    return std::unexpected(e);
  };

  log("building environment " + key.hex + " (" + key.describe() + ")");
  if (auto r = detail::stage_inputs(key, project_dir, build / "inputs"); !r) return give_up(r.error());
  detail::Interpreter python;
  {
    std::unique_lock lock(shared_->mu);
    auto cached = shared_->pythons.find(key.python);
    if (cached != shared_->pythons.end()) python = cached->second;
  }
  if (python.program.empty()) {
    auto found = detail::resolve_python(options_.python, key.python);
    if (!found) return give_up(found.error());
    python = *found;
    std::lock_guard lock(shared_->mu);
    shared_->pythons[key.python] = python;
  }
  log("using " + python.program + " (Python " + python.version + ")");
  auto tool = detail::install(key, options_, python, build / "env", build / "inputs", log);
  if (!tool) return give_up(tool.error());

  std::uint64_t size = detail::disk_usage(build);
  nlohmann::json marker = {
      {"key", key.hex},       {"inputs", key.describe()}, {"canonical", key.canonical},
      {"python", python.version}, {"tool", *tool},       {"built_at_ms", clock_.now_ms()},
      {"build_ms", clock_.steady_ms() - started},      {"size_bytes", size},
  };
  // Written last: a build folder without it was interrupted and is never used.
  if (auto r = detail::write_atomically(build / detail::kMarker, marker.dump(2) + "\n"); !r) return give_up(r.error());
  detail::touch(build / detail::kLastUsed, clock_.now_ms());

  // Publish: a new symlink renamed over `<envs>/<key>`, so readers see all or nothing.
  fs::path tmp_link = envs / ("." + name + ".link");
  fs::remove(tmp_link, ec);
  fs::create_symlink(fs::path("builds") / name, tmp_link, ec);
  if (!ec) fs::rename(tmp_link, envs / key.hex, ec);
  if (ec) return give_up(Error{Errc::io, "cannot publish " + (envs / key.hex).string() + ": " + ec.message()});
  log("environment ready in " + std::to_string((clock_.steady_ms() - started) / 1000.0).substr(0, 5) + " s, " +
      util::human_bytes(size));
  return {};
}

}  // namespace lab::envs
