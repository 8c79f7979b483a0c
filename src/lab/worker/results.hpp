// What a task leaves behind for its owner: the files under the task folder that match the
// assignment's `download` globs, packed as one tar.zst for `PUT .../results`. Private to
// src/lab/worker.
#pragma once

#include <lab/result.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace lab::worker {

// The metrics file every task may write ($LAB_METRICS); always part of the results.
inline constexpr const char* kMetricsPath = ".lab-metrics.jsonl";

// Whether `path` (relative to the task folder, '/'-separated) matches one glob of
// `patterns`. A glob matches a path, or any folder above it: "outputs/" (a trailing '/' =
// folders only) takes everything under outputs/, "*.json" the top-level .json files,
// "**/*.pt" every .pt file at any depth ('*' never crosses '/'; "./" in front is ignored).
bool matches_download(const std::vector<std::string>& patterns, const std::string& path);

// The regular files under `folder` that match `patterns`, plus kMetricsPath when it exists,
// sorted. Symlinks are never followed nor taken.
std::vector<std::string> result_files(const std::filesystem::path& folder, const std::vector<std::string>& patterns);

// Packs result_files(folder, patterns) into the tar.zst `archive` (possibly with no entry).
// Returns how many files were packed.
Result<std::size_t> pack_results(const std::filesystem::path& folder, const std::vector<std::string>& patterns,
                                 const std::filesystem::path& archive);

}  // namespace lab::worker
