// The "workers" executor: `lab worker`s connect to the /worker/v1 server it runs on
// [workers] host/port and lease tasks from it (docs/worker-protocol.md).
#pragma once

#include <lab/remote/executor.hpp>

namespace lab::remote {

// Starts the worker server and its watchdog. Fails if [workers] token is empty, the ledger
// cannot be opened or the port cannot be bound.
Result<std::unique_ptr<Executor>> make_worker_pool(const ExecutorContext& ctx);

}  // namespace lab::remote
