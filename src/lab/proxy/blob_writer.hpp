// Stores the blobs of one upload request: hashes each entry while it streams in, stages it
// (in memory when small, in a temp file otherwise), and stores it under its blob key only
// when the content matches the name. Stores run on a few threads while the next entries
// stream in (one PUT per blob: with S3 storage each costs a round trip), so a request of
// thousands of small files is not one round trip after another. Private to lab::proxy.
#pragma once

#include "blob_tar.hpp"
#include "context.hpp"

#include <cstdint>
#include <memory>

namespace lab::proxy {

// Entries up to this size are staged in memory; larger ones in a temp file.
inline constexpr std::size_t kMemoryStageBytes = 1u << 20;
// Blobs being stored at once, and how many more may wait staged for a free thread.
inline constexpr int kPutThreads = 8;
inline constexpr std::size_t kMaxStagedWaiting = 16;
// Staged bytes (memory and temp files) waiting or being stored; one larger blob still goes alone.
inline constexpr std::uint64_t kMaxStagedBytes = 256ull << 20;

// One upload request's writer. Not thread-safe (one per request). Memory: at most
// kPutThreads + kMaxStagedWaiting entries of at most kMemoryStageBytes each.
class BlobWriter {
 public:
  explicit BlobWriter(Context& ctx);
  ~BlobWriter();  // drops blobs not stored yet (and their temp files)

  // The callbacks to give a TarStreamParser. Errors name the entry: invalid_argument for a
  // bad name or content that does not match it, io/unavailable for storage failures (the
  // first failed store is reported by a later entry or by finish()).
  TarSink sink();

  // Waits until every verified entry is stored and records them in the ledger's blob index.
  // Call once after the parser finished, also when it failed (what was verified before the
  // failure is valid content and is kept); success means every verified entry is stored.
  Result<void> finish();

  std::int64_t stored() const { return stored_; }
  std::int64_t bytes() const { return bytes_; }

 private:
  Result<void> begin(const std::string& name, std::uint64_t size);
  Result<void> data(std::string_view bytes);
  Result<void> end();

  struct Entry;
  class Puts;
  Context& ctx_;
  std::unique_ptr<Entry> entry_;
  std::unique_ptr<Puts> puts_;
  std::int64_t stored_ = 0;
  std::int64_t bytes_ = 0;
};

}  // namespace lab::proxy
