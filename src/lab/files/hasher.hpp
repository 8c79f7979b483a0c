// Parallel content hashing for scan(). Private to lab::files.
#pragma once

#include <lab/files/scan.hpp>

#include "walk.hpp"

#include <vector>

namespace lab::files {

// The outcome of hashing one file.
struct Hashed {
  Hash128 hash;
  std::uint64_t size = 0;  // bytes actually read
  bool stable = false;     // the file's stat after reading equals the walk's (safe to cache)
};

// Hashes the regular files `found[i]` for each i in `todo`, opened relative to `root_fd`
// without following symlinks, on `threads` threads (the caller's among them). Fills
// `out[i]`. Fails with Errc::io naming the first file that could not be read.
Result<void> hash_files(int root_fd, const std::vector<Found>& found,
                        const std::vector<std::size_t>& todo, unsigned threads,
                        const std::function<void(const ScanProgress&)>& on_progress,
                        std::vector<Hashed>& out);

}  // namespace lab::files
