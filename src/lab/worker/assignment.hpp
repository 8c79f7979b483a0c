// The JSON shapes of the worker protocol the agent reads and writes (docs/worker-protocol.md):
// an Assignment from a lease, and the capacity the worker offers. Private to src/lab/worker.
#pragma once

#include <lab/config/task.hpp>
#include <lab/datasets/dataset.hpp>
#include <lab/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lab::worker {

// One task handed to this worker by a lease.
struct Assignment {
  std::string task_id;   // safe as a file name and a URL segment (checked by parse_assignment)
  std::int64_t attempt = 0;
  std::string command;
  std::map<std::string, std::string> env;
  std::vector<int> gpus;
  int cpus = 1;
  std::uint64_t memory_bytes = 0;   // 0 = no limit
  std::int64_t time_limit_s = 0;    // 0 = no limit
  std::vector<std::string> download{"outputs/"};
  config::Environment environment;                   // the task's [environment]
  nlohmann::json environments = nlohmann::json::object();  // where packages come from (envs::options_from_json)
  std::vector<datasets::Use> datasets;               // fetched into the machine's dataset cache, linked at datasets/<name>
  // Set when the id and attempt were readable but another field was not: the job then
  // reports this as the task's failure instead of running anything.
  std::string problem;
  // "<task_id>-<attempt>": the task folder's name and the key of this attempt on the worker.
  std::string key() const { return task_id + "-" + std::to_string(attempt); }
};

// Reads `{"task_id", "attempt", "command", "env", "gpus", "cpus", "memory_bytes",
// "time_limit_s", "download", "environment", "environments", "datasets"}`. Fails (Errc::corrupt) when the task id is not 1-128 of
// [A-Za-z0-9._-] (it becomes a folder name and a URL segment) or the attempt is not an
// integer >= 0; any other unreadable field is named in `problem`.
Result<Assignment> parse_assignment(const nlohmann::json& j);

// What the worker has: offered in `register`, and what is free in each `lease`.
struct Capacity {
  int slots = 1;
  int cpus = 0;
  std::uint64_t memory_bytes = 0;
  std::vector<int> gpus;
};

// `offered` less what the given assignments use (never below zero).
Capacity free_capacity(const Capacity& offered, const std::vector<const Assignment*>& running);

nlohmann::json to_json(const Capacity& c);  // {"slots", "cpus", "memory_bytes", "gpus"}

// This machine: CPUs this process may use, physical memory, host name.
int machine_cpus();
std::uint64_t machine_memory_bytes();
std::string machine_hostname();

}  // namespace lab::worker
