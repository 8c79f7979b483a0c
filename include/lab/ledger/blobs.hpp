// The index of content-addressed blobs this role's storage holds (what the proxy asks
// before an upload: "which of these do you not have yet?"). Hashes are opaque strings.
#pragma once

#include <lab/ledger/db.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lab::ledger {

struct BlobEntry {
  std::string hash;
  std::int64_t size = 0;
  std::int64_t stored_at_ms = 0;
  std::int64_t last_used_at_ms = 0;
};

// Whether `hash` can be a blob key: 1-128 characters of [A-Za-z0-9:._-].
bool valid_blob_hash(std::string_view hash);

// Records that blob `hash` of `size` bytes is stored, or marks a known one used at `now_ms`.
// invalid_argument for a bad hash or negative size; corrupt if the index already holds
// `hash` with another size (same content, same size: a mismatch is a bug or a collision).
Result<void> put_blob(Db& db, std::string_view hash, std::int64_t size, std::int64_t now_ms);

// The entry for `hash`, or nullopt if the index does not hold it.
Result<std::optional<BlobEntry>> find_blob(Db& db, std::string_view hash);

// Of `hashes`, those the index does not hold, in first-seen order without repeats.
// One query for the whole list (thousands of hashes at once are fine).
Result<std::vector<std::string>> missing_blobs(Db& db, std::span<const std::string> hashes);

// Sets `last_used_at_ms` of every listed blob that exists (a task referenced them). Returns how many.
Result<int> touch_blobs(Db& db, std::span<const std::string> hashes, std::int64_t now_ms);

// Blobs unused since `before_ms`, oldest use first, at most `limit`: candidates for eviction.
Result<std::vector<BlobEntry>> blobs_unused_since(Db& db, std::int64_t before_ms, int limit);

// Removes `hash` from the index (after its bytes were deleted). true if it was there.
Result<bool> forget_blob(Db& db, std::string_view hash);

}  // namespace lab::ledger
