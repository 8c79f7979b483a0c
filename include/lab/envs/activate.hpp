// Running a command inside a built environment: what workers add to a task's environment
// variables, and what a Slurm batch script says before the command.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace lab::envs {

// The variables that make `python`, `pip` and the environment's console scripts the ones a
// command finds: VIRTUAL_ENV=<root>, PATH=<root>/bin:<base_path>, and PYTHONHOME emptied
// (CPython ignores an empty PYTHONHOME). Empty when `root` is empty (the cluster's Python).
std::map<std::string, std::string> activation_env(const std::filesystem::path& root, std::string_view base_path);

// The same as shell lines for a batch script, ending in a newline; `root` is quoted.
// Empty when `root` is empty.
std::string activation_script(const std::filesystem::path& root);

}  // namespace lab::envs
