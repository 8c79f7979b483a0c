// What the remote tells a worker about a task's environment, inside each assignment of the
// worker protocol (docs/worker-protocol.md): the task's [environment] and where packages come
// from (remote.toml [environments]). Workers build environments themselves, on their machine.
#pragma once

#include <lab/config/roles.hpp>
#include <lab/config/task.hpp>
#include <lab/envs/builder.hpp>
#include <lab/result.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>

namespace lab::envs {

// {"python"?, "requirements"?, "extra_wheels": [...]}: the task's [environment].
nlohmann::json environment_to_json(const config::Environment& env);

// Reads environment_to_json's shape; null or absent fields keep their defaults. Fails
// (Errc::corrupt) naming the field when one has the wrong type.
Result<config::Environment> environment_from_json(const nlohmann::json& j);

// {"index_url"?, "wheelhouse"?, "python", "max_size_gb", "build_timeout_s"}: remote.toml's
// [environments], which every worker builds with.
nlohmann::json sources_to_json(const config::RemoteEnvironments& e);

// A worker's Builder options from sources_to_json's shape, with its envs folder `envs_dir`.
// Absent fields keep BuilderOptions' defaults; wrong types fail (Errc::corrupt).
Result<BuilderOptions> options_from_json(const nlohmann::json& j, const std::filesystem::path& envs_dir);

}  // namespace lab::envs
