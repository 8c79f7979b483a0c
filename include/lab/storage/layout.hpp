// Where each kind of object lives in storage; docs/storage.md draws the whole layout.
// Every builder checks its inputs and returns a key that passes `validate_key`.
#pragma once

#include <string>
#include <string_view>

#include <lab/result.hpp>

namespace lab::storage::layout {

// Length of a content hash in hex: xxh3-128, lower-case.
inline constexpr std::size_t kHashHexLength = 32;

// Succeeds if `hash` is kHashHexLength lower-case hex digits; else Errc::invalid_argument.
Result<void> validate_hash(std::string_view hash);

// Succeeds if `id` is 1..128 characters of [A-Za-z0-9._-] not starting with '.'
// (task ids, message ids, dates); else Errc::invalid_argument.
Result<void> validate_id(std::string_view id);

// One project file's content: "projects/blobs/<first 2 hex>/<hash>". Shared by every
// student's snapshots, so identical files are stored once.
Result<std::string> blob_key(std::string_view content_hash);

// One project snapshot's manifest (paths, modes, blob hashes): "projects/manifests/<hash>.json".
Result<std::string> manifest_key(std::string_view snapshot_hash);

// A built environment, keyed by the hash of uv.lock + pyproject.toml: "envs/<hash>.tar.zst".
Result<std::string> env_key(std::string_view env_hash);

// A dataset's folder: "datasets/<hash>/"; its files follow under it.
Result<std::string> dataset_prefix(std::string_view dataset_hash);

// A custom wheel, keeping the file name pip needs: "whls/<hash>/<file name>".
Result<std::string> wheel_key(std::string_view wheel_hash, std::string_view file_name);

// A task's results folder: "results/<task id>/".
Result<std::string> results_prefix(std::string_view task_id);

// One result file of a task: "results/<task id>/files/<path>", where `path` is relative to
// the task's folder (e.g. "outputs/metrics.json"), so `lab pull` recreates the same tree.
Result<std::string> result_file_key(std::string_view task_id, std::string_view relative_path);

// One log of a task (e.g. "stdout.log"): "results/<task id>/logs/<name>".
Result<std::string> result_log_key(std::string_view task_id, std::string_view name);

// A task's result summary: "results/<task id>/metadata.json".
Result<std::string> result_metadata_key(std::string_view task_id);

// The list of a task's stored result files, written after the files themselves (a manifest
// in docs/manifest.md's form; docs/storage.md): "results/<task id>/files.json".
Result<std::string> result_files_key(std::string_view task_id);

// Which way a message travels between the proxy (local) and the cluster side (remote).
enum class Direction { to_remote, to_local };

// A message in flight: "messages/to_remote/<id>.json" or "messages/to_local/<id>.json".
Result<std::string> message_key(Direction direction, std::string_view message_id);

// A handled message, archived by day: "messages/processed/<YYYY-MM-DD>/<id>.json".
Result<std::string> processed_message_key(std::string_view date, std::string_view message_id);

}  // namespace lab::storage::layout
