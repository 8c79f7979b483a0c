#include <lab/proto/messages.hpp>

#include "fields.hpp"

#include <array>

namespace lab::proto {
namespace {

using nlohmann::json;
using detail::FieldReader;

constexpr std::array<std::string_view, 8> kStatusNames = {
    "uploading", "pending", "preparing", "queued", "running", "completed", "failed", "cancelled"};

// Writes an optional value only when present, so absent fields stay absent on the wire.
template <class T>
void put_opt(json& j, const char* name, const std::optional<T>& v) {
  if (v) j[name] = *v;
}

TaskStatus read_status(FieldReader& r, const char* name) {
  auto text = r.str(name);
  if (!r.ok()) return TaskStatus::pending;
  auto s = parse_task_status(text);
  if (!s) r.problem(name, "is '" + text + "', which is not a task status (uploading, pending, preparing, "
                                          "queued, running, completed, failed, cancelled)");
  return s.value_or(TaskStatus::pending);
}

// --- to JSON, one overload per type ---

json body_of(const SubmitTask& m) {
  return {{"task_id", m.task_id}, {"user_id", m.user_id}, {"name", m.name}, {"gpus", m.gpus},
          {"cpus", m.cpus}, {"memory", m.memory}, {"time_limit", m.time_limit}, {"command", m.command},
          {"storage_keys", {{"env", m.storage_keys.env}, {"project", m.storage_keys.project},
                            {"data", m.storage_keys.data}, {"whls", m.storage_keys.whls}}},
          {"spec", m.spec}};
}
json body_of(const CancelTask& m) { return {{"task_id", m.task_id}, {"user_id", m.user_id}}; }
json body_of(const QueryStatus& m) { return {{"task_ids", m.task_ids}}; }
json body_of(const StatusUpdate& m) {
  json j = {{"task_id", m.task_id}, {"status", to_string(m.status)}};
  put_opt(j, "slurm_job_id", m.slurm_job_id);
  put_opt(j, "progress", m.progress);
  put_opt(j, "error_message", m.error_message);
  put_opt(j, "reason", m.reason);
  put_opt(j, "at_ms", m.at_ms);
  return j;
}
json body_of(const TaskCompleted& m) {
  json j = {{"task_id", m.task_id}, {"status", to_string(m.status)}, {"result_keys", m.result_keys},
            {"gpu_seconds", m.gpu_seconds}, {"cpu_seconds", m.cpu_seconds}};
  put_opt(j, "exit_code", m.exit_code);
  put_opt(j, "error_message", m.error_message);
  put_opt(j, "reason", m.reason);
  put_opt(j, "wall_seconds", m.wall_seconds);
  return j;
}
json body_of(const StatusResponse& m) {
  json tasks = json::array();
  for (const auto& t : m.tasks) {
    json j = {{"task_id", t.task_id}, {"status", to_string(t.status)}};
    put_opt(j, "slurm_job_id", t.slurm_job_id);
    put_opt(j, "progress", t.progress);
    put_opt(j, "gpu_seconds", t.gpu_seconds);
    tasks.push_back(std::move(j));
  }
  return {{"tasks", std::move(tasks)}};
}
json body_of(const LogChunk& m) {
  return {{"task_id", m.task_id}, {"offset", m.offset}, {"data", m.data}, {"stream", m.stream}};
}
json body_of(const MetricsChunk& m) { return {{"task_id", m.task_id}, {"offset", m.offset}, {"data", m.data}}; }
json body_of(const PoolSnapshot& m) {
  json slots = json::array();
  for (const auto& p : m.slots)
    slots.push_back({{"name", p.name}, {"kind", p.kind}, {"state", p.state}, {"gpus_total", p.gpus_total},
                     {"gpus_allocated", p.gpus_allocated}, {"cpus_total", p.cpus_total},
                     {"cpus_allocated", p.cpus_allocated}, {"memory_bytes", p.memory_bytes},
                     {"task_ids", p.task_ids}, {"source", p.source}});
  return {{"executor", m.executor}, {"at_ms", m.at_ms}, {"slots", std::move(slots)}};
}
json body_of(const Heartbeat& m) { return {{"source", m.source}, {"timestamp_ms", m.timestamp_ms}}; }
json body_of(const Ack& m) { return {{"message_id", m.message_id}}; }

// --- from JSON ---

Result<Message> read_submit(const json& b) {
  FieldReader r(b, "submit_task");
  SubmitTask m;
  m.task_id = r.str("task_id");
  m.user_id = r.str("user_id");
  m.name = r.str("name");
  m.gpus = r.i64("gpus", 0);
  m.cpus = r.i64("cpus", 1);
  m.memory = r.str("memory");
  m.time_limit = r.str("time_limit");
  m.command = r.str("command");
  auto keys = r.opt_object("storage_keys");
  if (r.ok() && !keys) r.problem("storage_keys", "is missing");
  m.spec = r.opt_object("spec").value_or(json::object());
  if (!r.ok()) return std::unexpected(r.error());
  FieldReader k(*keys, "submit_task.storage_keys");
  m.storage_keys.env = k.str("env");
  m.storage_keys.project = k.str("project");
  m.storage_keys.data = k.str_list("data");
  m.storage_keys.whls = k.str_list("whls");
  if (!k.ok()) return std::unexpected(k.error());
  return m;
}

Result<Message> read_cancel(const json& b) {
  FieldReader r(b, "cancel_task");
  CancelTask m{r.str("task_id"), r.str("user_id")};
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

Result<Message> read_query(const json& b) {
  FieldReader r(b, "query_status");
  QueryStatus m{r.str_list("task_ids")};
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

Result<Message> read_update(const json& b) {
  FieldReader r(b, "status_update");
  StatusUpdate m;
  m.task_id = r.str("task_id");
  m.status = read_status(r, "status");
  m.slurm_job_id = r.opt_str("slurm_job_id");
  m.progress = r.opt_str("progress");
  m.error_message = r.opt_str("error_message");
  m.reason = r.opt_str("reason");
  m.at_ms = r.opt_i64("at_ms", 0);
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

Result<Message> read_completed(const json& b) {
  FieldReader r(b, "task_completed");
  TaskCompleted m;
  m.task_id = r.str("task_id");
  m.status = read_status(r, "status");
  if (r.ok() && !is_final(m.status))
    r.problem("status", "must be completed, failed or cancelled, got " + std::string(to_string(m.status)));
  m.exit_code = r.opt_i64("exit_code");
  m.result_keys = r.str_list("result_keys");
  m.gpu_seconds = r.opt_i64("gpu_seconds", 0).value_or(0);
  m.cpu_seconds = r.opt_i64("cpu_seconds", 0).value_or(0);
  m.error_message = r.opt_str("error_message");
  m.reason = r.opt_str("reason");
  m.wall_seconds = r.opt_i64("wall_seconds", 0);
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

Result<Message> read_response(const json& b) {
  FieldReader r(b, "status_response");
  StatusResponse m;
  const auto& tasks = r.array("tasks");
  for (std::size_t i = 0; r.ok() && i < tasks.size(); ++i) {
    FieldReader t(tasks[i], "status_response.tasks[" + std::to_string(i) + "]");
    TaskStatusInfo info;
    info.task_id = t.str("task_id");
    info.status = read_status(t, "status");
    info.slurm_job_id = t.opt_str("slurm_job_id");
    info.progress = t.opt_str("progress");
    info.gpu_seconds = t.opt_i64("gpu_seconds", 0);
    if (!t.ok()) return std::unexpected(t.error());
    m.tasks.push_back(std::move(info));
  }
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

Result<Message> read_log(const json& b) {
  FieldReader r(b, "log_chunk");
  LogChunk m;
  m.task_id = r.str("task_id");
  m.offset = r.i64("offset", 0);
  m.data = r.str("data");
  m.stream = r.str("stream");
  if (r.ok() && m.stream != "stdout" && m.stream != "stderr")
    r.problem("stream", "must be \"stdout\" or \"stderr\", got \"" + m.stream + "\"");
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

Result<Message> read_metrics(const json& b) {
  FieldReader r(b, "metrics_chunk");
  MetricsChunk m{r.str("task_id"), r.i64("offset", 0), r.str("data")};
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

Result<Message> read_pool(const json& b) {
  FieldReader r(b, "pool_snapshot");
  PoolSnapshot m;
  m.executor = r.str("executor");
  m.at_ms = r.i64("at_ms", 0);
  const auto& slots = r.array("slots");
  for (std::size_t i = 0; r.ok() && i < slots.size(); ++i) {
    FieldReader t(slots[i], "pool_snapshot.slots[" + std::to_string(i) + "]");
    PoolSlot p;
    p.name = t.str("name");
    p.kind = t.str("kind");
    p.state = t.str("state");
    p.gpus_total = t.i64("gpus_total", 0);
    p.gpus_allocated = t.i64("gpus_allocated", 0);
    p.cpus_total = t.i64("cpus_total", 0);
    p.cpus_allocated = t.i64("cpus_allocated", 0);
    p.memory_bytes = t.i64("memory_bytes", 0);
    p.task_ids = t.str_list("task_ids");
    p.source = t.str("source");
    if (!t.ok()) return std::unexpected(t.error());
    m.slots.push_back(std::move(p));
  }
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

Result<Message> read_heartbeat(const json& b) {
  FieldReader r(b, "heartbeat");
  Heartbeat m{r.str("source"), r.i64("timestamp_ms", 0)};
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

Result<Message> read_ack(const json& b) {
  FieldReader r(b, "ack");
  Ack m{r.str("message_id")};
  if (!r.ok()) return std::unexpected(r.error());
  return m;
}

struct Reader {
  std::string_view type;
  Result<Message> (*read)(const json&);
};

// The type-tag table: one row per message type.
constexpr std::array<Reader, 11> kReaders = {{
    {SubmitTask::kType, read_submit},
    {CancelTask::kType, read_cancel},
    {QueryStatus::kType, read_query},
    {StatusUpdate::kType, read_update},
    {TaskCompleted::kType, read_completed},
    {StatusResponse::kType, read_response},
    {LogChunk::kType, read_log},
    {Heartbeat::kType, read_heartbeat},
    {Ack::kType, read_ack},
    {MetricsChunk::kType, read_metrics},
    {PoolSnapshot::kType, read_pool},
}};

}  // namespace

std::string_view to_string(TaskStatus status) { return kStatusNames[static_cast<std::size_t>(status)]; }

std::optional<TaskStatus> parse_task_status(std::string_view text) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i)
    if (kStatusNames[i] == text) return static_cast<TaskStatus>(i);
  return std::nullopt;
}

bool is_final(TaskStatus s) {
  return s == TaskStatus::completed || s == TaskStatus::failed || s == TaskStatus::cancelled;
}

std::string_view type_of(const Message& message) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kType; }, message);
}

bool known_type(std::string_view type) {
  for (const auto& r : kReaders)
    if (r.type == type) return true;
  return false;
}

nlohmann::json to_json(const Message& message) {
  return std::visit([](const auto& m) { return body_of(m); }, message);
}

Envelope encode(const Message& message, std::int64_t sent_at_ms) {
  return make_envelope(std::string(type_of(message)), to_json(message), sent_at_ms);
}

Result<Message> decode(const Envelope& envelope) {
  for (const auto& r : kReaders)
    if (r.type == envelope.type) return r.read(envelope.body);
  return fail(Errc::unsupported, "unknown message type '" + envelope.type + "' (message " + envelope.id +
                                     "); the sender may run a newer lab");
}

}  // namespace lab::proto
