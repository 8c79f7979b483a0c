// The one rule for dataset names, shared by `lab data sync`, task.toml's `[files] datasets`
// and the proxy: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit
// (so a name is always a safe folder name on the cluster).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lab::config {

inline constexpr std::size_t kMaxDatasetNameLength = 64;

// What is wrong with `name` as a dataset name ("may use only letters, ..."), or nullopt.
std::optional<std::string> dataset_name_problem(std::string_view name);

}  // namespace lab::config
