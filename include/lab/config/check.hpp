// `lab config check`: validate any config file, whatever its kind.
#pragma once

#include <lab/config/diagnostic.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lab::config {

enum class Kind { task, proxy, remote, worker };

// "task", "proxy", "remote", "worker".
std::string_view kind_name(Kind k);

// The kind named `name` ("task", ...), or nullopt.
std::optional<Kind> kind_from_name(std::string_view name);

// The kind a file name says: task.toml, *.task.toml, *-task.toml (same for proxy, remote,
// worker); nullopt when the name does not tell.
std::optional<Kind> kind_from_filename(const std::filesystem::path& path);

// What checking a file found.
struct CheckReport {
  std::vector<Diagnostic> errors;                  // empty when the file is valid
  // Every key read, dotted ("resources.gpus"), with its value as TOML text; secret values
  // are shown as kSecretMask.
  std::vector<std::pair<std::string, std::string>> values;
};

// Reads `path` and validates it as `kind` (task files also check the files they name).
CheckReport check_file(const std::filesystem::path& path, Kind kind);

}  // namespace lab::config
