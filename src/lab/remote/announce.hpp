// The messages the remote sends the proxy (docs/messages.md), each added to the transport
// outbox inside the caller's ledger transaction, so a state change and its message commit
// together (call Transport::notify_outbox after the commit).
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/ledger/task_state.hpp>
#include <lab/proto/messages.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace lab::remote {

// Largest piece of log text in one log_chunk (JSON escaping may grow it up to 6 times; the
// transport takes messages up to 1 MiB).
inline constexpr std::size_t kMaxLogChunkBytes = 128 * 1024;

// status_update {task_id, status, reason, at_ms}.
Result<void> send_status(ledger::Db& tx, std::string_view task_id, ledger::TaskState state, std::string_view reason,
                         std::int64_t at_ms);

// log_chunk messages for `data`, which starts at byte `offset` of the task's log; split at
// UTF-8 character boundaries into pieces of at most kMaxLogChunkBytes.
Result<void> send_log(ledger::Db& tx, std::string_view task_id, std::int64_t offset, std::string_view data,
                      std::int64_t at_ms);

// What ended, for task_completed.
struct Completion {
  ledger::TaskState state = ledger::TaskState::completed;  // completed, failed or cancelled
  std::optional<std::int64_t> exit_code;
  std::string reason;
  std::vector<std::string> result_keys;
  double wall_seconds = 0, gpu_seconds = 0, cpu_seconds = 0;
};

// task_completed for the task.
Result<void> send_completed(ledger::Db& tx, std::string_view task_id, const Completion& c, std::int64_t at_ms);

// `data` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD, so
// it can travel in JSON.
std::string utf8_clean(std::string_view data);

// Where the next piece of `data` may be cut: the largest n <= max that does not split a
// UTF-8 sequence (n = max when no boundary is found, e.g. bytes that are not UTF-8).
std::size_t utf8_cut(std::string_view data, std::size_t max);

}  // namespace lab::remote
