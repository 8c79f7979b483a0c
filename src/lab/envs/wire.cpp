#include <lab/envs/wire.hpp>

namespace lab::envs {
namespace {

using nlohmann::json;

Error bad(const char* field, const char* want) {
  return {Errc::corrupt, std::string("the environment's '") + field + "' is not " + want};
}

// Reads the optional string `field` into `out` (absent or null: unchanged).
template <class T>
Result<void> text(const json& j, const char* field, T& out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) return std::unexpected(bad(field, "a string"));
  out = it->get<std::string>();
  return {};
}

}  // namespace

json environment_to_json(const config::Environment& env) {
  json j{{"extra_wheels", env.extra_wheels}};
  if (env.python) j["python"] = *env.python;
  if (env.requirements) j["requirements"] = *env.requirements;
  return j;
}

Result<config::Environment> environment_from_json(const json& j) {
  config::Environment env;
  if (j.is_null()) return env;
  if (!j.is_object()) return fail(Errc::corrupt, "the environment is not a JSON object");
  if (auto r = text(j, "python", env.python); !r) return std::unexpected(r.error());
  if (auto r = text(j, "requirements", env.requirements); !r) return std::unexpected(r.error());
  if (auto it = j.find("extra_wheels"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return std::unexpected(bad("extra_wheels", "a list of paths"));
    for (const auto& w : *it) {
      if (!w.is_string()) return std::unexpected(bad("extra_wheels", "a list of paths"));
      env.extra_wheels.push_back(w.get<std::string>());
    }
  }
  return env;
}

json sources_to_json(const config::RemoteEnvironments& e) {
  json j{{"python", e.python}, {"max_size_gb", e.max_size_gb}, {"build_timeout_s", e.build_timeout_s}};
  if (e.index_url) j["index_url"] = *e.index_url;
  if (e.wheelhouse) j["wheelhouse"] = *e.wheelhouse;
  return j;
}

Result<BuilderOptions> options_from_json(const json& j, const std::filesystem::path& envs_dir) {
  BuilderOptions o;
  o.envs_dir = envs_dir;
  if (j.is_null()) return o;
  if (!j.is_object()) return fail(Errc::corrupt, "the environments settings are not a JSON object");
  if (auto r = text(j, "python", o.python); !r) return std::unexpected(r.error());
  if (auto r = text(j, "index_url", o.index_url); !r) return std::unexpected(r.error());
  std::optional<std::string> wheelhouse;
  if (auto r = text(j, "wheelhouse", wheelhouse); !r) return std::unexpected(r.error());
  if (wheelhouse) o.wheelhouse = *wheelhouse;
  if (auto it = j.find("max_size_gb"); it != j.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() < 0) return std::unexpected(bad("max_size_gb", "a number >= 0"));
    o.max_bytes = static_cast<std::uint64_t>(it->get<double>() * 1e9);
  }
  if (auto it = j.find("build_timeout_s"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1)
      return std::unexpected(bad("build_timeout_s", "a whole number of seconds >= 1"));
    o.build_timeout = std::chrono::seconds(it->get<std::int64_t>());
  }
  return o;
}

}  // namespace lab::envs
