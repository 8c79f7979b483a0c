// The "slurm" executor: each task becomes one Slurm batch job (lab::slurm builds the script
// and reads Slurm's answers); one thread watches every job with one squeue per poll
// interval, follows its output and metrics files and reports to the sink (docs/remote.md).
#pragma once

#include <lab/remote/executor.hpp>

#include <memory>

namespace lab::slurm {
class CommandRunner;
}

namespace lab::remote {

// Starts the executor's watch thread. `runner` runs the Slurm commands; nullptr = real
// processes (tests pass a slurm::FakeRunner). Fails when the ledger cannot be opened.
Result<std::unique_ptr<Executor>> make_slurm_executor(const ExecutorContext& ctx,
                                                      std::shared_ptr<slurm::CommandRunner> runner);

}  // namespace lab::remote
