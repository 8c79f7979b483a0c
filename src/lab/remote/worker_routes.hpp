// The /worker/v1 HTTP endpoints (docs/worker-protocol.md) on top of a `Pool`.
#pragma once

#include "pool.hpp"

#include <lab/net/server.hpp>
#include <lab/storage/storage.hpp>

#include <filesystem>

namespace lab::remote {

// Largest results upload accepted.
inline constexpr std::uint64_t kMaxResultsBytes = 64ull << 30;

// Adds every worker endpoint to `server`. `pool` and `storage` must outlive the server;
// `scratch_dir` holds uploads while they are unpacked.
void add_worker_routes(net::Server& server, Pool& pool, storage::Storage& storage,
                       const std::filesystem::path& scratch_dir);

}  // namespace lab::remote
