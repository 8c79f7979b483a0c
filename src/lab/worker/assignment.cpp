#include "assignment.hpp"

#include <lab/envs/wire.hpp>

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <thread>

namespace lab::worker {
namespace {

using nlohmann::json;

Error bad(const std::string& field, const std::string& want) {
  return {Errc::corrupt, "the remote sent an assignment whose '" + field + "' is not " + want};
}

// Reads the integer `field` (absent or null = keep `out`), refusing values below `min`.
template <class T>
Result<void> integer(const json& j, const char* field, T& out, std::int64_t min) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_number_integer() || it->get<std::int64_t>() < min)
    return std::unexpected(bad(field, "an integer of at least " + std::to_string(min)));
  out = static_cast<T>(it->get<std::int64_t>());
  return {};
}

// Everything but the id and the attempt.
Result<void> read_rest(const json& j, Assignment& a) {
  if (auto r = integer(j, "cpus", a.cpus, 0); !r) return std::unexpected(r.error());
  if (auto r = integer(j, "memory_bytes", a.memory_bytes, 0); !r) return std::unexpected(r.error());
  if (auto r = integer(j, "time_limit_s", a.time_limit_s, 0); !r) return std::unexpected(r.error());
  auto cmd = j.find("command");
  if (cmd == j.end() || !cmd->is_string() || cmd->get<std::string>().empty())
    return std::unexpected(bad("command", "a non-empty string"));
  a.command = cmd->get<std::string>();
  if (auto env = j.find("env"); env != j.end() && !env->is_null()) {
    if (!env->is_object()) return std::unexpected(bad("env", "an object of strings"));
    for (auto& [k, v] : env->items()) {
      if (!v.is_string() || k.empty() || k.find('=') != std::string::npos)
        return std::unexpected(bad("env", "an object of strings"));
      a.env[k] = v.get<std::string>();
    }
  }
  if (auto gpus = j.find("gpus"); gpus != j.end() && !gpus->is_null()) {
    if (!gpus->is_array()) return std::unexpected(bad("gpus", "a list of GPU indexes"));
    for (auto& g : *gpus) {
      if (!g.is_number_integer() || g.get<std::int64_t>() < 0 || g.get<std::int64_t>() > 4096)
        return std::unexpected(bad("gpus", "a list of GPU indexes"));
      a.gpus.push_back(g.get<int>());
    }
  }
  if (auto dl = j.find("download"); dl != j.end() && !dl->is_null()) {
    if (!dl->is_array()) return std::unexpected(bad("download", "a list of globs"));
    a.download.clear();
    for (auto& g : *dl) {
      if (!g.is_string()) return std::unexpected(bad("download", "a list of globs"));
      a.download.push_back(g.get<std::string>());
    }
  }
  if (auto env = j.find("environment"); env != j.end()) {
    auto read = envs::environment_from_json(*env);
    if (!read) return std::unexpected(read.error());
    a.environment = std::move(*read);
  }
  if (auto src = j.find("environments"); src != j.end() && src->is_object()) a.environments = *src;
  if (auto data = j.find("datasets"); data != j.end()) {
    auto read = datasets::uses_from_json(*data);
    if (!read) return std::unexpected(bad("datasets", "a list of {\"name\", \"hash\"} (" + read.error().message + ")"));
    a.datasets = std::move(*read);
  }
  return {};
}

}  // namespace

Result<Assignment> parse_assignment(const json& j) {
  static const std::regex kId("[A-Za-z0-9._-]{1,128}");
  Assignment a;
  if (!j.is_object()) return fail(Errc::corrupt, "the remote sent an assignment that is not a JSON object");
  auto id = j.find("task_id");
  if (id == j.end() || !id->is_string() || !std::regex_match(id->get<std::string>(), kId) || *id == "." || *id == "..")
    return std::unexpected(bad("task_id", "1-128 letters, digits, '.', '_' or '-'"));
  a.task_id = id->get<std::string>();
  if (auto r = integer(j, "attempt", a.attempt, 0); !r) return std::unexpected(r.error());
  if (auto rest = read_rest(j, a); !rest) a.problem = rest.error().message;
  return a;
}


Capacity free_capacity(const Capacity& offered, const std::vector<const Assignment*>& running) {
  Capacity free = offered;
  free.slots = std::max(0, offered.slots - static_cast<int>(running.size()));
  for (const Assignment* a : running) {
    free.cpus = std::max(0, free.cpus - a->cpus);
    free.memory_bytes = a->memory_bytes >= free.memory_bytes ? 0 : free.memory_bytes - a->memory_bytes;
    for (int g : a->gpus) std::erase(free.gpus, g);
  }
  return free;
}

json to_json(const Capacity& c) {
  return {{"slots", c.slots}, {"cpus", c.cpus}, {"memory_bytes", c.memory_bytes}, {"gpus", c.gpus}};
}

int machine_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::uint64_t machine_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(size) : 0;
}

std::string machine_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "worker";
  return buf;
}

}  // namespace lab::worker
