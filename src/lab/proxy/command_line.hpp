// How a task spec becomes what the remote runs: the shell line (workdir, script or command,
// arguments) and the resource strings of submit_task (docs/messages.md). Private to lab::proxy.
#pragma once

#include <lab/config/task.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace lab::proxy {

// `text` as one single-quoted shell word: 'it'\''s'.
std::string shell_quote(std::string_view text);

// The line to run in the task's folder: `cd 'WORKDIR' && ` (unless the workdir is ".")
// followed by the [run] command as written, or by the script started by its kind (.py with
// python3, .sh with bash, else executed directly) and its quoted arguments.
std::string task_command(const config::TaskSpec& spec);

// Memory as whole MiB, rounded up: "8192M".
std::string memory_text(std::uint64_t bytes);

// A time limit as "H:MM:SS" (hours may exceed 24): "4:00:00".
std::string time_limit_text(std::int64_t seconds);

}  // namespace lab::proxy
