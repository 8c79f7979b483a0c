// TaskSpec as JSON: how a task.toml travels from the CLI to the proxy (`spec` in
// POST /api/v1/tasks) and on to the remote. The JSON has the keys and shapes of task.toml
// (docs/task-toml.md): memory as "16G", time_limit as "1:00:00", priority "default"|"high",
// [run] as {"command": ...} or {"script": ..., "args": [...]}, run.env as an object.
#pragma once

#include <lab/config/task.hpp>

#include <nlohmann/json.hpp>

#include <string_view>

namespace lab::config {

// Every field of `spec`, in task.toml's shapes. task_from_json(task_to_json(s)) gives `s` back.
nlohmann::json task_to_json(const TaskSpec& spec);

// Validates `json` exactly as task.toml is validated (same schema, same messages, which name
// the field: "'gpus' in [resources] must be between 0 and 64, got 65"); the files it names are
// not checked, since they live on the student's machine. `name` is required (there is no
// project folder to take it from). Diagnostics carry `origin` as their file and no line.
Checked<TaskSpec> task_from_json(const nlohmann::json& json, std::string_view origin);

}  // namespace lab::config
