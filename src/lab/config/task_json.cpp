// TaskSpec <-> JSON. The JSON is written out as TOML text (every table inline) and checked by
// the same parser as task.toml, so the two can never disagree on what is valid.
#include <lab/config/task_json.hpp>

#include <lab/config/units.hpp>

#include "parsers.hpp"

namespace lab::config {
namespace {

using nlohmann::json;

// "16G", "1536M", ...: the largest binary unit that divides the size exactly.
std::string memory_text(std::uint64_t bytes) {
  static const std::pair<int, char> units[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
  for (auto [shift, letter] : units)
    if (bytes % (1ull << shift) == 0) return std::to_string(bytes >> shift) + letter;
  return std::to_string(bytes) + "B";
}

// `v` as a TOML value; objects become inline tables. Fails on null, naming the key.
bool to_toml(const json& v, const std::string& key, std::string& out, std::vector<std::string>& problems) {
  switch (v.type()) {
    case json::value_t::null:
      problems.push_back("'" + key + "' is null; leave it out or give it a value");
      return false;
    case json::value_t::object: {
      out += "{ ";
      bool first = true, ok = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ", ";
        first = false;
        out += json(k).dump() + " = ";
        ok = to_toml(e, k, out, problems) && ok;
      }
      out += " }";
      return ok;
    }
    case json::value_t::array: {
      out += "[";
      bool ok = true;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        ok = to_toml(v[i], key, out, problems) && ok;
      }
      out += "]";
      return ok;
    }
    case json::value_t::string:
      // JSON string escapes (\n, \", \\, \u00XX) are TOML basic-string escapes too.
      out += v.dump(-1, ' ', false, json::error_handler_t::replace);
      return true;
    case json::value_t::number_float: {
      std::string d = v.dump();
      if (d.find_first_of(".eE") == std::string::npos) d += ".0";
      out += d;
      return true;
    }
    default:
      out += v.dump();
      return true;
  }
}

Diagnostic at_origin(std::string_view origin, std::string message) {
  return Diagnostic{std::string(origin), 0, 0, std::move(message)};
}

}  // namespace

json task_to_json(const TaskSpec& s) {
  json resources = {{"gpus", s.resources.gpus},
                    {"cpus", s.resources.cpus},
                    {"memory", memory_text(s.resources.memory_bytes)},
                    {"time_limit", format_duration(s.resources.time_limit_seconds)}};
  if (s.resources.gpu_type) resources["gpu_type"] = *s.resources.gpu_type;
  json environment = {{"extra_wheels", s.environment.extra_wheels}};
  if (s.environment.python) environment["python"] = *s.environment.python;
  if (s.environment.requirements) environment["requirements"] = *s.environment.requirements;
  json uploads = json::array();
  for (const auto& u : s.files.upload) uploads.push_back({{"local", u.local}, {"remote", u.remote}});
  json files = {{"upload", uploads}, {"exclude", s.files.exclude}, {"download", s.files.download}, {"datasets", s.files.datasets}};
  json run = {{"workdir", s.run.workdir}, {"env", s.run.env}};
  if (s.run.env.empty()) run["env"] = json::object();
  if (s.run.command) run["command"] = *s.run.command;
  if (s.run.script) {
    run["script"] = *s.run.script;
    run["args"] = s.run.args;
  }
  return {{"name", s.name},         {"description", s.description}, {"priority", priority_name(s.priority)},
          {"resources", resources}, {"environment", environment},   {"files", files},
          {"run", run}};
}

Checked<TaskSpec> task_from_json(const json& j, std::string_view origin) {
  if (!j.is_object())
    return std::unexpected(std::vector<Diagnostic>{at_origin(origin, "the task spec must be a JSON object like task.toml, got " +
                                                                         std::string(j.type_name()))});
  std::string text;
  std::vector<std::string> problems;
  for (const auto& [k, v] : j.items()) {
    text += json(k).dump() + " = ";
    to_toml(v, k, text, problems);
    text += "\n";
  }
  if (!j.contains("name")) problems.push_back("missing required key 'name'");
  if (!problems.empty()) {
    std::vector<Diagnostic> out;
    for (auto& p : problems) out.push_back(at_origin(origin, std::move(p)));
    return std::unexpected(std::move(out));
  }
  auto spec = detail::parse_task(text, origin, TaskParseOptions{.project_dir = ".", .check_files = false}, nullptr);
  if (spec) return spec;
  // Line numbers of the generated text mean nothing to the sender; the messages name the key.
  std::vector<Diagnostic> errors = std::move(spec.error());
  for (auto& d : errors) d.line = d.column = 0;
  return std::unexpected(std::move(errors));
}

}  // namespace lab::config
