#include <lab/remote/pool_scheduler.hpp>
#include <lab/util/strings.hpp>

#include <algorithm>

namespace lab::remote {
namespace {

bool fits(const Demand& d, const Free& f) {
  return f.slots >= 1 && f.cpus >= d.cpus && f.memory_bytes >= d.memory_bytes &&
         static_cast<int>(f.gpus.size()) >= d.gpus;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

void PoolScheduler::enqueue(const Demand& d) {
  if (queued(d.task_id)) return;
  if (!d.high_priority) {
    order_.push_back(d);
    return;
  }
  auto first_default = std::find_if(order_.begin(), order_.end(), [](const Demand& x) { return !x.high_priority; });
  order_.insert(first_default, d);
}

void PoolScheduler::remove(const std::string& task_id) {
  std::erase_if(order_, [&](const Demand& d) { return d.task_id == task_id; });
}

bool PoolScheduler::queued(const std::string& task_id) const { return position(task_id).has_value(); }

std::optional<std::size_t> PoolScheduler::position(const std::string& task_id) const {
  for (std::size_t i = 0; i < order_.size(); ++i)
    if (order_[i].task_id == task_id) return i;
  return std::nullopt;
}

bool PoolScheduler::fits_capacity(const Demand& d, const WorkerCapacity& w) {
  return fits(d, Free{std::max(1, w.slots), w.cpus, w.memory_bytes, w.gpus});
}

std::optional<Placement> PoolScheduler::place(const Free& free) {
  for (auto it = order_.begin(); it != order_.end(); ++it) {
    if (!fits(*it, free)) continue;
    std::vector<int> gpus = free.gpus;
    std::sort(gpus.begin(), gpus.end());
    gpus.resize(static_cast<std::size_t>(it->gpus));
    Placement p{it->task_id, std::move(gpus)};
    order_.erase(it);
    return p;
  }
  return std::nullopt;
}

std::string PoolScheduler::wait_reason(const std::string& task_id, const std::vector<WorkerCapacity>& workers,
                                       const std::map<std::string, Free>& free_by_worker) const {
  auto pos = position(task_id);
  if (!pos) return {};
  const Demand& d = order_[*pos];
  if (workers.empty()) return "queued: no workers are connected; the task starts when one connects";

  bool any_fits = std::any_of(workers.begin(), workers.end(), [&](const auto& w) { return fits_capacity(d, w); });
  if (!any_fits) {
    int max_gpus = 0, max_cpus = 0;
    std::uint64_t max_mem = 0;
    for (const auto& w : workers) {
      max_gpus = std::max(max_gpus, static_cast<int>(w.gpus.size()));
      max_cpus = std::max(max_cpus, w.cpus);
      max_mem = std::max(max_mem, w.memory_bytes);
    }
    if (d.gpus > max_gpus)
      return "queued: no connected worker has " + plural(static_cast<std::size_t>(d.gpus), "GPU", "GPUs") +
             " (the largest has " + std::to_string(max_gpus) + "); it waits until such a worker connects";
    if (d.cpus > max_cpus)
      return "queued: no connected worker has " + std::to_string(d.cpus) + " CPUs (the largest has " +
             std::to_string(max_cpus) + "); it waits until such a worker connects";
    return "queued: no connected worker has " + util::human_bytes(d.memory_bytes) + " of memory (the largest has " +
           util::human_bytes(max_mem) + "); it waits until such a worker connects";
  }

  std::size_t busy = 0;
  for (const auto& w : workers) {
    auto f = free_by_worker.find(w.worker_id);
    if (f == free_by_worker.end() || !fits(d, f->second)) ++busy;
  }
  std::string who;
  if (busy == workers.size())
    who = workers.size() == 1 ? "the only worker is busy" : workers.size() == 2 ? "both workers busy"
                                                                                 : "all " + std::to_string(workers.size()) + " workers busy";
  else
    who = "a worker with room is about to take it";
  if (*pos == 0) return "queued: next in line, " + who;
  return "queued: " + plural(*pos, "task", "tasks") + " ahead of yours, " + who;
}

}  // namespace lab::remote
