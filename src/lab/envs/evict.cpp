// Listing built environments and evicting the least recently used ones.
#include <lab/envs/builder.hpp>

#include "shared.hpp"
#include "store.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <set>

namespace lab::envs {

namespace fs = std::filesystem;

namespace {

std::uint64_t marker_size(const fs::path& build) {
  std::ifstream in(build / detail::kMarker);
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("size_bytes") || !j["size_bytes"].is_number_unsigned())
    return detail::disk_usage(build);
  return j["size_bytes"].get<std::uint64_t>();
}

}  // namespace

Result<std::vector<EnvInfo>> Builder::list() const {
  std::vector<EnvInfo> out;
  std::error_code ec;
  for (fs::directory_iterator it(options_.envs_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string key = it->path().filename().string();
    if (!detail::is_key(key)) continue;
    auto build = detail::ready_build(options_.envs_dir, key);
    if (!build) continue;
    out.push_back({key, *build / "env", marker_size(*build), detail::mtime_ms(*build / detail::kLastUsed), false});
  }
  if (ec) return fail(Errc::io, "cannot list " + options_.envs_dir.string() + ": " + ec.message());
  {
    std::lock_guard lock(shared_->mu);
    for (auto& e : out) e.in_use = shared_->pins.contains(e.key);
  }
  std::sort(out.begin(), out.end(), [](const EnvInfo& a, const EnvInfo& b) {
    return a.last_used_ms != b.last_used_ms ? a.last_used_ms < b.last_used_ms : a.key < b.key;
  });
  return out;
}

Result<EvictReport> Builder::evict_to(std::uint64_t limit_bytes) {
  const fs::path& envs = options_.envs_dir;
  EvictReport report;
  std::error_code ec;

  // Leftovers of interrupted builds: build folders no key points at, not being built now.
  std::set<fs::path> published;
  for (fs::directory_iterator it(envs, ec), end; !ec && it != end; it.increment(ec))
    if (detail::is_key(it->path().filename().string()))
      if (auto b = detail::ready_build(envs, it->path().filename().string())) published.insert(b->lexically_normal());
  for (fs::directory_iterator it(envs / "builds", ec), end; !ec && it != end; it.increment(ec)) {
    std::string key = it->path().filename().string().substr(0, 32);
    if (!detail::is_key(key) || published.contains(it->path().lexically_normal())) continue;
    int fd = detail::open_lock(envs, key);
    if (fd >= 0 && detail::lock_exclusive(fd, false)) {
      auto now = detail::ready_build(envs, key);
      if (!now || now->lexically_normal() != it->path().lexically_normal()) fs::remove_all(it->path(), ec);
    }
    detail::close_fd(fd);
  }

  auto all = list();
  if (!all) return std::unexpected(all.error());
  std::uint64_t total = 0;
  for (const auto& e : *all) total += e.size_bytes;
  for (const auto& e : *all) {
    if (total <= limit_bytes) break;
    if (e.in_use) continue;
    int fd = detail::open_lock(envs, e.key);
    // Someone holds a lease (a shared lock) or is building: leave it.
    if (fd < 0 || !detail::lock_exclusive(fd, false)) {
      detail::close_fd(fd);
      continue;
    }
    if (auto build = detail::ready_build(envs, e.key)) {
      fs::remove(envs / e.key, ec);  // unpublish first: from here on nobody can lease it
      fs::remove_all(*build, ec);
      report.removed.push_back(e.key);
      report.freed_bytes += e.size_bytes;
      total -= e.size_bytes;
    }
    detail::close_fd(fd);
  }
  report.remaining_bytes = total;
  report.over_limit = total > limit_bytes;
  return report;
}

}  // namespace lab::envs
