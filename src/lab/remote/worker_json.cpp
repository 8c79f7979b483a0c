// The JSON shapes of the worker protocol that the pool reads and writes.
#include "pool.hpp"
#include "worker_json.hpp"

namespace lab::remote {

Result<const nlohmann::json*> field(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return fail(Errc::invalid_argument, "the body must be a JSON object");
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fail(Errc::invalid_argument, std::string("field '") + name + "' is missing");
  return &*it;
}

Result<std::string> string_field(const nlohmann::json& j, const char* name) {
  auto f = field(j, name);
  if (!f) return std::unexpected(f.error());
  if (!(*f)->is_string() || (*f)->get_ref<const std::string&>().empty())
    return fail(Errc::invalid_argument, std::string("field '") + name + "' must be a non-empty string");
  return (*f)->get<std::string>();
}

Result<std::int64_t> int_field(const nlohmann::json& j, const char* name, std::optional<std::int64_t> fallback) {
  if (fallback && (!j.is_object() || !j.contains(name) || j.at(name).is_null())) return *fallback;
  auto f = field(j, name);
  if (!f) return std::unexpected(f.error());
  if (!(*f)->is_number_integer() || (*f)->get<std::int64_t>() < 0)
    return fail(Errc::invalid_argument, std::string("field '") + name + "' must be a whole number >= 0");
  return (*f)->get<std::int64_t>();
}

Result<double> number_field(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || j.at(name).is_null()) return 0.0;
  if (!j.at(name).is_number() || j.at(name).get<double>() < 0)
    return fail(Errc::invalid_argument, std::string("field '") + name + "' must be a number >= 0");
  return j.at(name).get<double>();
}

Result<std::vector<int>> gpus_field(const nlohmann::json& j, const char* name) {
  std::vector<int> out;
  if (!j.contains(name) || j.at(name).is_null()) return out;
  if (!j.at(name).is_array()) return fail(Errc::invalid_argument, std::string("field '") + name + "' must be an array");
  for (const auto& g : j.at(name)) {
    if (!g.is_number_integer() || g.get<int>() < 0)
      return fail(Errc::invalid_argument, std::string("field '") + name + "' must list GPU indices >= 0");
    out.push_back(g.get<int>());
  }
  return out;
}

Result<WorkerInfo> worker_info_from_json(const nlohmann::json& j) {
  WorkerInfo w;
  auto name = string_field(j, "name");
  if (!name) return std::unexpected(name.error());
  w.name = *name;
  if (j.contains("hostname") && j["hostname"].is_string()) w.hostname = j["hostname"];
  if (j.contains("version") && j["version"].is_string()) w.version = j["version"];
  auto cpus = int_field(j, "cpus", 1);
  auto mem = int_field(j, "memory_bytes", 0);
  auto slots = int_field(j, "slots", 1);
  auto gpus = gpus_field(j, "gpus");
  for (const Result<std::int64_t>* r : {&cpus, &mem, &slots})
    if (!*r) return std::unexpected(r->error());
  if (!gpus) return std::unexpected(gpus.error());
  if (*slots < 1) return fail(Errc::invalid_argument, "field 'slots' must be at least 1");
  w.cpus = static_cast<int>(*cpus);
  w.memory_bytes = static_cast<std::uint64_t>(*mem);
  w.slots = static_cast<int>(*slots);
  w.gpus = *gpus;
  return w;
}

nlohmann::json to_json(const WorkerInfo& w) {
  return nlohmann::json{{"name", w.name},   {"hostname", w.hostname},         {"version", w.version},
                        {"cpus", w.cpus},   {"memory_bytes", w.memory_bytes}, {"gpus", w.gpus},
                        {"slots", w.slots}};
}

}  // namespace lab::remote
