// The remote's part of datasets (docs/datasets.md): each dataset a task uses is made whole
// once in the remote's dataset cache ([paths] datasets_dir, "<dir>/<hash>/"), built from
// its manifest in storage through the blob cache with hard links (the blob cache and the
// dataset share inodes). Executors that run tasks on the remote's filesystem (Slurm) get
// `datasets/<name>` in the task folder as a symlink to that copy; workers fetch the copy
// through /worker/v1 into their own cache (docs/worker-protocol.md). Private to
// src/lab/remote.
#pragma once

#include "materialise.hpp"

#include <lab/config/roles.hpp>
#include <lab/datasets/cache.hpp>
#include <lab/datasets/dataset.hpp>
#include <lab/result.hpp>
#include <lab/storage/storage.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace lab::remote {

// [paths] datasets_dir, or "<cache_dir>/datasets" when it is not set (same file system as
// the blob cache, so hard links work).
std::filesystem::path datasets_dir(const config::RemoteConfig& config);

// The datasets of a stored submit_task (its spec's files.datasets and storage_keys.data);
// Errc::invalid_argument with a reason a student can read (datasets::uses_from_submit).
Result<std::vector<datasets::Use>> task_datasets(const nlohmann::json& spec, const std::vector<std::string>& keys);

// What prepare_datasets tells the task's owner while it works.
struct DatasetHooks {
  std::function<void(const std::string& reason)> status;  // the preparing reason, e.g. "preparing: fetching dataset cifar (shared with 1 other task)"
  std::function<void(const std::string& text)> note;      // a line for the task's log
};

// Makes every dataset of `uses` whole in `cache` (materialise_dataset through `blobs`,
// once however many tasks ask at once) and, when `link` is set, links each into `folder`
// as datasets/<name>. Fails with the first problem, naming the dataset (a missing manifest
// or file: not_found; the project's own datasets/<name>: conflict).
Result<void> prepare_datasets(storage::Storage& storage, BlobCache& blobs, datasets::Cache& cache,
                              const std::vector<datasets::Use>& uses, const std::filesystem::path& folder, bool link,
                              const DatasetHooks& hooks);

}  // namespace lab::remote
