// Which queued task runs on which worker. Pure bookkeeping, no I/O, so every placement rule
// is unit-tested. Order: `high` priority before `default`, then first come first served;
// a task that does not fit the free resources offered is skipped for one that does
// (backfill), so a large task never blocks small ones behind it.
// Not thread-safe: the remote's worker-pool executor owns one and guards it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lab::remote {

// What a task asks for.
struct Demand {
  std::string task_id;
  std::string user;
  bool high_priority = false;
  int cpus = 1;
  std::uint64_t memory_bytes = 0;
  int gpus = 0;
};

// A worker's capacity, as registered, and what is free on it now.
struct WorkerCapacity {
  std::string worker_id;
  std::string name;
  int slots = 1;
  int cpus = 1;
  std::uint64_t memory_bytes = 0;
  std::vector<int> gpus;  // device indices
};

struct Free {
  int slots = 0;
  int cpus = 0;
  std::uint64_t memory_bytes = 0;
  std::vector<int> gpus;
};

struct Placement {
  std::string task_id;
  std::vector<int> gpus;  // the device indices given to the task
};

class PoolScheduler {
 public:
  // Adds a task at the back of its priority class. Enqueuing an id already queued is a no-op.
  void enqueue(const Demand& d);
  // Removes a queued task (cancelled, or placed elsewhere). Unknown ids are ignored.
  void remove(const std::string& task_id);
  bool queued(const std::string& task_id) const;
  std::size_t size() const { return order_.size(); }

  // The first task in order that fits `free`, removed from the queue, with the lowest free
  // GPU indices assigned. nullopt when nothing fits.
  std::optional<Placement> place(const Free& free);

  // Why `task_id` is still waiting, in plain words, given the registered workers and what
  // each has free: "queued: 3 tasks ahead of yours, both workers busy", "no worker has 4
  // GPUs (the largest has 2)", "no workers are connected". Empty if the id is not queued.
  std::string wait_reason(const std::string& task_id, const std::vector<WorkerCapacity>& workers,
                          const std::map<std::string, Free>& free_by_worker) const;

  // Tasks ahead of `task_id` in placement order (0 = next). nullopt if not queued.
  std::optional<std::size_t> position(const std::string& task_id) const;

  // True if some registered worker could ever run `d` (it fits its whole capacity).
  static bool fits_capacity(const Demand& d, const WorkerCapacity& w);

 private:
  std::vector<Demand> order_;  // placement order: high first, FIFO within a class
};

}  // namespace lab::remote
