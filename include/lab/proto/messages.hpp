// The control-plane message types (docs/messages.md), each with its JSON form and a
// validating reader whose errors name the field. Proxy -> remote: SubmitTask, CancelTask,
// QueryStatus. Remote -> proxy: StatusUpdate, TaskCompleted, StatusResponse, LogChunk,
// MetricsChunk, PoolSnapshot.
// Either way: Heartbeat, Ack.
#pragma once

#include <lab/proto/envelope.hpp>
#include <lab/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lab::proto {

// A task's life: uploading -> pending -> preparing -> queued -> running -> completed|failed|cancelled.
enum class TaskStatus { uploading, pending, preparing, queued, running, completed, failed, cancelled };

// "running" for TaskStatus::running.
std::string_view to_string(TaskStatus status);
// The status named `text`, or nullopt if it names none.
std::optional<TaskStatus> parse_task_status(std::string_view text);
// True for completed, failed and cancelled.
bool is_final(TaskStatus status);

// Where the remote finds a task's inputs in object storage.
struct StorageKeys {
  std::string env;                 // envs/{env_hash}.tar.gz
  std::string project;             // projects/{project_hash}.tar.gz
  std::vector<std::string> data;   // datasets/{hash}/
  std::vector<std::string> whls;   // whls/{hash}.whl
  bool operator==(const StorageKeys&) const = default;
};

// Proxy -> remote: run this task. `spec` is the task's full configuration as an object.
struct SubmitTask {
  static constexpr std::string_view kType = "submit_task";
  std::string task_id;
  std::string user_id;
  std::string name;
  std::int64_t gpus = 0;
  std::int64_t cpus = 1;
  std::string memory;      // "32G"
  std::string time_limit;  // "4:00:00"
  std::string command;
  StorageKeys storage_keys;
  nlohmann::json spec = nlohmann::json::object();
  bool operator==(const SubmitTask&) const = default;
};

// Proxy -> remote: stop this task on behalf of this user.
struct CancelTask {
  static constexpr std::string_view kType = "cancel_task";
  std::string task_id;
  std::string user_id;
  bool operator==(const CancelTask&) const = default;
};

// Proxy -> remote: tell me where these tasks stand (answered by StatusResponse).
struct QueryStatus {
  static constexpr std::string_view kType = "query_status";
  std::vector<std::string> task_ids;
  bool operator==(const QueryStatus&) const = default;
};

// Remote -> proxy: a task changed state.
struct StatusUpdate {
  static constexpr std::string_view kType = "status_update";
  std::string task_id;
  TaskStatus status = TaskStatus::pending;
  std::optional<std::string> slurm_job_id;
  std::optional<std::string> progress;
  std::optional<std::string> error_message;
  std::optional<std::string> reason;   // why the task waits or moved, in plain words
  std::optional<std::int64_t> at_ms;   // when the change happened (sender's clock)
  bool operator==(const StatusUpdate&) const = default;
};

// Remote -> proxy: a task ended; `status` is completed, failed or cancelled.
struct TaskCompleted {
  static constexpr std::string_view kType = "task_completed";
  std::string task_id;
  TaskStatus status = TaskStatus::completed;
  std::optional<std::int64_t> exit_code;
  std::vector<std::string> result_keys;
  std::int64_t gpu_seconds = 0;
  std::int64_t cpu_seconds = 0;
  std::optional<std::string> error_message;
  std::optional<std::string> reason;        // why it ended so, in plain words
  std::optional<std::int64_t> wall_seconds;  // time spent running, over the last attempt
  bool operator==(const TaskCompleted&) const = default;
};

// One task's state inside a StatusResponse.
struct TaskStatusInfo {
  std::string task_id;
  TaskStatus status = TaskStatus::pending;
  std::optional<std::string> slurm_job_id;
  std::optional<std::string> progress;
  std::optional<std::int64_t> gpu_seconds;
  bool operator==(const TaskStatusInfo&) const = default;
};

// Remote -> proxy: the answer to a QueryStatus.
struct StatusResponse {
  static constexpr std::string_view kType = "status_response";
  std::vector<TaskStatusInfo> tasks;
  bool operator==(const StatusResponse&) const = default;
};

// Remote -> proxy: a piece of a task's output; `offset` is the byte offset of `data` in
// the stream, so a receiver can drop repeats and spot gaps.
struct LogChunk {
  static constexpr std::string_view kType = "log_chunk";
  std::string task_id;
  std::int64_t offset = 0;
  std::string data;
  std::string stream = "stdout";  // "stdout" | "stderr"
  bool operator==(const LogChunk&) const = default;
};

// Remote -> proxy: whole lines a running task appended to its metrics file
// (docs/metrics.md). `offset` is the byte offset of `data` in the task's metrics stream
// (all attempts, as the remote received them), so a receiver drops repeats.
struct MetricsChunk {
  static constexpr std::string_view kType = "metrics_chunk";
  std::string task_id;
  std::int64_t offset = 0;
  std::string data;
  bool operator==(const MetricsChunk&) const = default;
};

// One place tasks run, inside a PoolSnapshot (fields as remote::PoolEntry).
struct PoolSlot {
  std::string name;
  std::string kind;     // "worker", "slurm-partition"
  std::string state;
  std::int64_t gpus_total = 0, gpus_allocated = 0, cpus_total = 0, cpus_allocated = 0;
  std::int64_t memory_bytes = 0;
  std::vector<std::string> task_ids;
  std::string source;   // where the numbers come from ("worker heartbeat", "sinfo")
  bool operator==(const PoolSlot&) const = default;
};

// Remote -> proxy: what the executor runs on now, taken at `at_ms` (remote's clock). Sent
// every few seconds and when it changes; the newest replaces the older.
struct PoolSnapshot {
  static constexpr std::string_view kType = "pool_snapshot";
  std::string executor;  // remote.toml's [executor] type
  std::int64_t at_ms = 0;
  std::vector<PoolSlot> slots;
  bool operator==(const PoolSnapshot&) const = default;
};

// Either way: I am alive. `source` is the sending role ("proxy", "remote").
struct Heartbeat {
  static constexpr std::string_view kType = "heartbeat";
  std::string source;
  std::int64_t timestamp_ms = 0;
  bool operator==(const Heartbeat&) const = default;
};

// Either way: an application-level acknowledgement of message `message_id`.
struct Ack {
  static constexpr std::string_view kType = "ack";
  std::string message_id;
  bool operator==(const Ack&) const = default;
};

using Message = std::variant<SubmitTask, CancelTask, QueryStatus, StatusUpdate, TaskCompleted,
                             StatusResponse, LogChunk, Heartbeat, Ack, MetricsChunk, PoolSnapshot>;

// The type tag of `message` ("submit_task").
std::string_view type_of(const Message& message);
// True if this binary knows the type tag `type`.
bool known_type(std::string_view type);

// The JSON body of `message` (without the envelope).
nlohmann::json to_json(const Message& message);
// A new envelope carrying `message`, stamped `sent_at_ms`.
Envelope encode(const Message& message, std::int64_t sent_at_ms);

// Reads the message in `envelope`. Fails with Errc::unsupported for a type this binary does
// not know ("unknown message type 'x'") and Errc::invalid_argument for a known type whose
// body is wrong, naming the field ("status_update: field 'status' is missing").
Result<Message> decode(const Envelope& envelope);

}  // namespace lab::proto
