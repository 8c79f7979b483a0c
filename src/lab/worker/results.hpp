// What a task leaves behind for its owner: the files under the task folder that match the
// assignment's `download` globs, packed as one tar.zst for `PUT .../results`. Private to
// src/lab/worker.
#pragma once

#include <lab/result.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lab::worker {

// Files and folders lab itself keeps in a task folder start with this (the metrics file
// ".lab-metrics.jsonl", a Slurm job's ".lab-slurm/"); they are never results: storage
// reserves such names, and metrics reach the owner through their own stream
// (docs/metrics.md).
inline constexpr std::string_view kLabOwnPrefix = ".lab-";

// Whether `path` (relative, '/'-separated) is or lies inside one of lab's own files.
bool is_lab_own(std::string_view path);

// Whether `path` (relative to the task folder, '/'-separated) matches one glob of
// `patterns`. A glob matches a path, or any folder above it: "outputs/" (a trailing '/' =
// folders only) takes everything under outputs/, "*.json" the top-level .json files,
// "**/*.pt" every .pt file at any depth ('*' never crosses '/'; "./" in front is ignored).
bool matches_download(const std::vector<std::string>& patterns, const std::string& path);

// The regular files under `folder` that match `patterns`, except lab's own (is_lab_own),
// sorted. Symlinks are never followed nor taken.
std::vector<std::string> result_files(const std::filesystem::path& folder, const std::vector<std::string>& patterns);

// Packs result_files(folder, patterns) into the tar.zst `archive` (possibly with no entry).
// Returns how many files were packed.
Result<std::size_t> pack_results(const std::filesystem::path& folder, const std::vector<std::string>& patterns,
                                 const std::filesystem::path& archive);

}  // namespace lab::worker
