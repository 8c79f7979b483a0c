// Datasets a task uses (`[files] datasets` in task.toml; docs/datasets.md): each is a name
// the student gave with `lab data sync --name` and the hash of the manifest the proxy
// resolved it to at submit. In the task's folder a dataset appears read-only at
// `datasets/<name>/`, a symlink into a cache shared by every task on the machine.
#pragma once

#include <lab/result.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lab::datasets {

// The folder of a task folder where its datasets appear ("datasets/<name>").
inline constexpr std::string_view kTaskFolder = "datasets";
// The variable that tells a running task where its datasets are (<task folder>/datasets).
inline constexpr std::string_view kEnvVar = "LAB_DATASETS_DIR";

// One dataset a task uses.
struct Use {
  std::string name;  // letters, digits, '-', '_', '.'; not starting with '.'
  std::string hash;  // the dataset manifest's hash (32 lower-case hex)
  bool operator==(const Use&) const = default;
};

// True for a dataset name: 1..128 of [A-Za-z0-9._-], not starting with '.'.
bool valid_name(std::string_view name);

// The datasets of a submit_task message: `names` from spec.files.datasets (in order) and
// `keys` from storage_keys.data ("datasets/<hash>/", same order). Both empty = none.
// Errc::invalid_argument, in words a student can read, when the lengths differ, a name is
// not a simple word, a key is not a dataset folder, or a name repeats.
Result<std::vector<Use>> uses_from_submit(const std::vector<std::string>& names, const std::vector<std::string>& keys);

// The names listed in a task spec's files.datasets ([] when absent or not a list of strings).
std::vector<std::string> names_in_spec(const nlohmann::json& spec);

// The wire form: [{"name", "hash"}, ...] (docs/worker-protocol.md).
nlohmann::json to_json(const std::vector<Use>& uses);
// Reads the wire form; a missing/null value is no datasets. Errc::invalid_argument naming
// what is wrong.
Result<std::vector<Use>> uses_from_json(const nlohmann::json& j);

// Makes `task_folder`/datasets/<use.name> a symlink to `cached` (an absolute folder).
// Errc::conflict when the task's own files already hold that path (the student must
// rename one of them); Errc::io when the link cannot be made.
Result<void> link_into(const std::filesystem::path& task_folder, const Use& use, const std::filesystem::path& cached);

}  // namespace lab::datasets
