// Following a task to its end, shared by `lab logs -f` and `submit/run --wait`.
#pragma once

#include <lab/client/proxy_client.hpp>
#include <lab/client/types.hpp>

#include <cstdio>
#include <string>

namespace lab::cli {

// Exit code for a task that finished in `task`: its exit code when it completed or failed
// (failed with code 0 or none -> 1), 130 when cancelled.
int exit_code_for(const client::Task& task);

// "task t-1 completed (exit code 0) after 1m05s", "task t-1 failed (exit code 2): reason".
std::string final_state_line(const client::Task& task);

// Prints the log of `id` (to `out`) from offset 0, following it when `follow`; then, when
// following, the final state line on stderr. Returns the task's exit code (exit_code_for)
// when `task_exit_code`, else kExitOk; kExitFailure (after saying why) when following failed.
int follow_task(client::ProxyClient& client, const std::string& id, bool follow, bool task_exit_code, std::FILE* out);

}  // namespace lab::cli
