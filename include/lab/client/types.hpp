// What the proxy's REST API (docs/api.md) answers, as C++ values.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lab::client {

struct User {
  std::string name;
  bool is_admin = false;
  std::int64_t created_at_ms = 0;
};

// A signed-in user: what register and login answer (whoami leaves `token` empty).
struct Session {
  User user;
  std::string token;
  std::int64_t expires_at_ms = 0;
};

// One state a task went through.
struct TaskEvent {
  std::string state;
  std::string reason;
  std::int64_t at_ms = 0;
};

struct Task {
  std::string id;
  std::string name;
  std::string user;
  std::string state;   // uploading, pending, preparing, queued, running, completed, failed, cancelled
  std::string reason;  // why it waits or why it failed; may be empty
  std::string priority;
  std::string command;
  int gpus = 0;
  int cpus = 0;
  std::uint64_t memory_bytes = 0;
  std::int64_t time_limit_s = 0;
  std::string snapshot;
  std::optional<int> exit_code;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> started_at_ms;
  std::optional<std::int64_t> finished_at_ms;
  std::vector<TaskEvent> events;  // filled by get_task only

  // completed, failed or cancelled: nothing more will happen to it.
  bool final() const { return state == "completed" || state == "failed" || state == "cancelled"; }
};

// One page of the task list, newest first; `next` continues it.
struct TaskPage {
  std::vector<Task> tasks;
  std::optional<std::string> next;
};

// One answer of the log endpoint: the bytes from the asked offset, the offset to ask for
// next, and whether the log is complete (the task is final and nothing will follow).
struct LogChunk {
  std::string data;
  std::uint64_t next_offset = 0;
  bool complete = false;
};

// A file a task left behind; `path` is relative to the task's folder ("outputs/m.json").
struct ResultFile {
  std::string path;
  std::uint64_t size = 0;
  std::string hash;
};

struct ResultList {
  std::vector<ResultFile> files;
  bool complete = false;  // the task is final and every result file is stored
};

// What a snapshot call answered.
struct Snapshot {
  std::string id;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

// A named dataset (docs/api.md, "Datasets"): its files are blobs like a project's, listed by
// the manifest stored at `key` + "manifest.json".
struct Dataset {
  std::string name;
  std::string owner;
  bool course_wide = false;   // synced by an admin: usable by everyone
  std::string manifest;       // the manifest's hash
  std::string key;            // "datasets/<manifest>/"
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  bool shadowed = false;      // in a list: another dataset of this name is used instead
};

// What a sync answered: the dataset now, and the manifest it pointed at before (none when
// the name is new).
struct DatasetSynced {
  Dataset dataset;
  std::optional<std::string> previous;
};

// The task in the API's JSON shape (for `--json` output).
nlohmann::json to_json(const Task& task);

// The dataset in the API's JSON shape.
nlohmann::json to_json(const Dataset& dataset);

}  // namespace lab::client
