// Stores the blobs of one upload request: hashes each entry while it streams in, stages it
// (in memory when small, in a temp file otherwise), and stores it under its blob key only
// when the content matches the name. Private to lab::proxy.
#pragma once

#include "blob_tar.hpp"
#include "context.hpp"

#include <cstdint>
#include <memory>

namespace lab::proxy {

// Entries up to this size are staged in memory; larger ones in a temp file.
inline constexpr std::size_t kMemoryStageBytes = 1u << 20;

// One upload request's writer. Not thread-safe (one per request).
class BlobWriter {
 public:
  explicit BlobWriter(Context& ctx);
  ~BlobWriter();

  // The callbacks to give a TarStreamParser. Errors name the entry: invalid_argument for a
  // bad name or content that does not match it, io/unavailable for storage failures.
  TarSink sink();

  std::int64_t stored() const { return stored_; }
  std::int64_t bytes() const { return bytes_; }

 private:
  Result<void> begin(const std::string& name, std::uint64_t size);
  Result<void> data(std::string_view bytes);
  Result<void> end();

  struct Entry;
  Context& ctx_;
  std::unique_ptr<Entry> entry_;
  std::int64_t stored_ = 0;
  std::int64_t bytes_ = 0;
};

}  // namespace lab::proxy
