// TEMPORARY until main has config::task_from_json: task JSON -> TOML text -> parse_task.
#pragma once

#include <lab/config/task.hpp>

#include <nlohmann/json.hpp>

namespace lab::config {

inline std::string shim_toml_value(const nlohmann::json& v) {
  if (v.is_array()) {
    std::string out = "[";
    for (const auto& e : v) out += (out.size() > 1 ? ", " : "") + shim_toml_value(e);
    return out + "]";
  }
  return v.dump();
}

inline Checked<TaskSpec> task_from_json(const nlohmann::json& j, std::string_view origin) {
  std::string top, tables;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_object()) {
      top += k + " = " + shim_toml_value(v) + "\n";
      continue;
    }
    tables += "[" + k + "]\n";
    std::string sub;
    for (const auto& [k2, v2] : v.items()) {
      if (v2.is_object()) {
        sub += "[" + k + "." + k2 + "]\n";
        for (const auto& [k3, v3] : v2.items()) sub += k3 + " = " + shim_toml_value(v3) + "\n";
      } else {
        tables += k2 + " = " + shim_toml_value(v2) + "\n";
      }
    }
    tables += sub;
  }
  TaskParseOptions o;
  o.check_files = false;
  return parse_task(top + tables, origin, o);
}

inline nlohmann::json task_to_json(const TaskSpec& s) {
  nlohmann::json run = {{"workdir", s.run.workdir}, {"args", s.run.args}, {"env", s.run.env}};
  if (s.run.command) run["command"] = *s.run.command;
  if (s.run.script) run["script"] = *s.run.script;
  return {{"name", s.name}, {"priority", priority_name(s.priority)}, {"run", run}, {"files", {{"download", s.files.download}}}};
}

}  // namespace lab::config
