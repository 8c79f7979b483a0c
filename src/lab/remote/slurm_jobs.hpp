// The Slurm executor's table in the remote's ledger (migration component "remote_slurm"):
// which Slurm job runs each task, so a restarted remote finds its jobs again and never
// submits one twice. Each function takes the caller's `Db&`.
#pragma once

#include <lab/ledger/db.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::remote::slurm_jobs {

// Creates or upgrades the table. Idempotent.
Result<void> migrate(ledger::Db& db);

// One task's job. `job_id` is empty between "about to call sbatch" and its answer: a row
// left so by a crash means the submission may have reached Slurm (look it up by name).
struct Row {
  std::string task_id;
  int attempt = 1;
  std::string job_name;
  std::string job_id;
  std::int64_t metrics_bytes = 0;  // bytes of the metrics file already handed to the sink
};

// Adds or replaces the task's row.
Result<void> put(ledger::Db& db, const Row& row);
// The task's row, or nullopt.
Result<std::optional<Row>> find(ledger::Db& db, std::string_view task_id);
// Records how much of the metrics file was handed on.
Result<void> set_metrics_bytes(ledger::Db& db, std::string_view task_id, std::int64_t bytes);
// Forgets the task (its job ended and was reported).
Result<void> remove(ledger::Db& db, std::string_view task_id);

}  // namespace lab::remote::slurm_jobs
