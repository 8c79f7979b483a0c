// Reading uv.lock without uv (private to lab::envs). A cluster without uv still installs a
// uv.lock project at exactly the locked versions: the project's own dependencies become pip
// requirements and every locked package a pip constraint, so pip evaluates the markers (which
// packages this machine needs) and the lock decides every version.
#pragma once

#include <lab/result.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace lab::envs::detail {

struct PipPins {
  // The project's dependencies as uv sync installs them by default (its `dependencies` and
  // its `dev` group): "name", "name[extra1,extra2]", "name ; marker".
  std::vector<std::string> requirements;
  // One line per locked package: "name==version", with " ; marker" from its
  // resolution-markers when the lock holds several versions of one name.
  std::vector<std::string> constraints;
};

// The pins of the uv.lock at `lock`. The project is the package whose source is
// `{ virtual = "." }` or `{ editable = "." }`. Errc::invalid names the file, and the line for
// TOML syntax errors; Errc::unsupported for what pip cannot take from a lock (packages from git
// or a local path, a lock format newer than version 1), saying to install uv instead.
Result<PipPins> read_uv_lock(const std::filesystem::path& lock);

// `pins` as the two files pip reads: requirements.txt and constraints.txt in `dir`.
Result<void> write_pip_pins(const PipPins& pins, const std::filesystem::path& dir);

}  // namespace lab::envs::detail
