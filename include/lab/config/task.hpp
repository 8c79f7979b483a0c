// task.toml: what a student asks the cluster to run. Every field, its default and its
// errors are described in docs/task-toml.md; this header is the contract other modules use.
#pragma once

#include <lab/config/diagnostic.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::config {

// [resources]: what the task may use on the cluster (Slurm's --gres/--cpus-per-task/--mem/--time).
struct Resources {
  int gpus = 0;                                    // 0..64
  std::optional<std::string> gpu_type;             // e.g. "a100"; any model when unset
  int cpus = 1;                                    // 1..256
  std::uint64_t memory_bytes = 8ull << 30;         // default 8 GiB
  std::int64_t time_limit_seconds = 60 * 60;       // default 1 hour, at most 365 days
};

// [environment]: the Python environment the task runs in. The base environment comes from
// the project's pyproject.toml + uv.lock (or `requirements`); these add to it.
struct Environment {
  std::optional<std::string> python;               // "3.11" or "3.11.4"; the cluster default when unset
  std::optional<std::string> requirements;         // project-relative path, e.g. "requirements.txt"
  std::vector<std::string> extra_wheels;           // project-relative paths ending in ".whl"
};

// One extra file or folder to upload: `local` (project-relative, or absolute) lands at
// `remote` (relative to the task's folder on the cluster; same as `local` when written as a
// plain string).
struct Upload {
  std::string local;
  std::string remote;
};

// [files]: what travels besides the project folder itself.
struct Files {
  std::vector<Upload> upload;                      // extra paths outside the usual upload
  std::vector<std::string> exclude;                // globs left out of the upload (added to .gitignore's)
  std::vector<std::string> download = {"outputs/"};  // globs (relative to the project folder) kept as results
  std::vector<std::string> datasets;               // names given to `lab data sync --name`
};

// [run]: what to execute. Exactly one of `command` and `script` is set.
struct Run {
  std::string workdir = ".";                       // project-relative folder the task starts in
  std::optional<std::string> command;              // a shell command line, run with bash -c
  std::optional<std::string> script;               // workdir-relative file: .py with python, .sh with bash, else executed
  std::vector<std::string> args;                   // arguments after `script` (only with script)
  std::map<std::string, std::string> env;          // [run.env]: extra environment variables
};

enum class Priority { normal, high };

// A validated task.toml.
struct TaskSpec {
  std::string name;                                // default: the project folder's name
  std::string description;                         // free text, may be empty
  Priority priority = Priority::normal;            // written "default" or "high"
  Resources resources;
  Environment environment;
  Files files;
  Run run;
};

// How to check the files a task.toml names.
struct TaskParseOptions {
  // The folder the task.toml belongs to; its name is the default task name and, when
  // `check_files` is set, `script`, `workdir`, `requirements` and `extra_wheels` must exist in it.
  std::filesystem::path project_dir = ".";
  bool check_files = true;
};

// Parses and validates task.toml text; `file` is the name used in diagnostics. On failure,
// every problem found (not only the first), each naming file:line:column and the key.
Checked<TaskSpec> parse_task(std::string_view text, std::string_view file, const TaskParseOptions& options);

// Reads and parses a task.toml; the project folder is the file's folder.
Checked<TaskSpec> load_task(const std::filesystem::path& path, bool check_files = true);

// "high" or "default".
std::string_view priority_name(Priority p);

}  // namespace lab::config
