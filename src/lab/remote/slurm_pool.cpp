// The Slurm executor's view for the admin page: one PoolEntry per partition from `sinfo`,
// asked at most once per poll interval (answers are cached in between).
#include "slurm_executor_impl.hpp"

#include <lab/sys/clock.hpp>
#include <lab/util/strings.hpp>

#include <charconv>

namespace lab::remote {
namespace {

// One line per partition and node state: name|avail|state|cpus A/I/O/T|gres|memory MB|nodes.
constexpr const char* kSinfoFormat = "%R|%a|%T|%C|%G|%m|%D";

int to_int(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// GPUs per node in a gres list ("gpu:a100:4,shard:8" -> 4; "(null)" -> 0).
int gpus_in(std::string_view gres, const std::string& gres_name) {
  int n = 0;
  const std::string base = gres_name.substr(0, gres_name.find(':'));
  for (const auto& item : util::split(std::string(gres), ',')) {
    if (item.rfind(base + ":", 0) != 0 && item != base) continue;
    auto colon = item.rfind(':');
    std::string count = colon == std::string::npos ? "1" : item.substr(colon + 1);
    count = count.substr(0, count.find('('));
    n += std::max(1, to_int(count));
  }
  return n;
}

}  // namespace

std::vector<PoolEntry> SlurmExecutor::pool() {
  std::lock_guard lock(pool_mu_);
  const std::int64_t now = clock_.steady_ms();
  if (pool_at_ms_ >= 0 && now - pool_at_ms_ < cfg_.poll_interval_ms) return pool_cache_;
  pool_at_ms_ = now;
  auto r = runner_->run({sinfo_, "-h", "-o", kSinfoFormat}, std::chrono::milliseconds(cfg_.command_timeout_ms));
  if (!r || r->exit_code != 0) return pool_cache_;  // keep the last good answer
  std::vector<PoolEntry> entries;
  for (const auto& line : util::split(r->out, '\n')) {
    auto f = util::split(line, '|');
    if (f.size() < 7) continue;
    auto cpus = util::split(f[3], '/');
    if (cpus.size() != 4) continue;
    PoolEntry* e = nullptr;
    for (auto& x : entries)
      if (x.name == f[0]) e = &x;
    if (!e) {
      entries.push_back({});
      e = &entries.back();
      e->name = f[0];
      e->kind = "slurm-partition";
      e->source = "sinfo";
    }
    const int nodes = to_int(f[6]);
    e->cpus_allocated += to_int(cpus[0]);
    e->cpus_total += to_int(cpus[3]);
    e->gpus_total += gpus_in(f[4], cfg_.gres_name) * nodes;
    e->memory_bytes += std::uint64_t(to_int(f[5])) * nodes * 1024 * 1024;
    std::string state = f[1] == "up" ? f[2] : "down";
    e->state = e->state.empty() || e->state == state ? state : "mixed";
  }
  {
    // This remote's running tasks, in the partition they were sent to (or the first one).
    std::lock_guard jobs_lock(mu_);
    for (auto& e : entries) {
      if (cfg_.partition ? e.name != *cfg_.partition : &e != &entries.front()) continue;
      for (const auto& [id, job] : jobs_)
        if (job.started) {
          e.task_ids.push_back(id);
          e.gpus_allocated += job.task.gpus;
        }
    }
  }
  pool_cache_ = entries;
  return entries;
}

}  // namespace lab::remote
