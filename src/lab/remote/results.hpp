// A task's results: the tar.zst a worker uploads is unpacked safely into a scratch folder,
// each file is stored at "results/<task id>/files/<path>" (path relative to the task folder),
// and then their list, with sizes and hashes, at "results/<task id>/files.json".
#pragma once

#include <lab/result.hpp>
#include <lab/storage/storage.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lab::remote {

// Replaces the task's stored results with the files in `archive` (tar.zst): earlier result
// objects of the task are removed first (their list before them), so a rerun never mixes
// with an older attempt; the new list is stored last, once every file is.
// Uses `scratch` (created, then removed) to unpack. Returns the stored keys, sorted.
// Fails with Errc::corrupt for an unsafe or broken archive, naming the entry.
Result<std::vector<std::string>> store_results(storage::Storage& storage, std::string_view task_id,
                                               const std::filesystem::path& archive,
                                               const std::filesystem::path& scratch);

// The keys stored under the task's results, sorted ([] on a storage failure).
std::vector<std::string> list_results(storage::Storage& storage, std::string_view task_id);

}  // namespace lab::remote
