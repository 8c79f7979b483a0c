// The body of POST /api/v1/blobs: an uncompressed POSIX tar stream, one regular-file entry per
// blob, named by its hash (private to lab::client). Produced piece by piece so that a project
// of any size streams in constant memory.
#pragma once

#include <lab/client/proxy_client.hpp>

#include <cstdio>
#include <span>
#include <string>

namespace lab::client {

// A 512-byte ustar header for a regular file `name` (at most 100 bytes) of `size` bytes.
// Sizes of 8 GiB and more use the base-256 form GNU tar and libarchive read.
std::string tar_header(const std::string& name, std::uint64_t size);

// Yields the stream of `blobs` in pieces. Not thread-safe.
class BlobTarStream {
 public:
  explicit BlobTarStream(std::span<const BlobSource> blobs) : blobs_(blobs) {}
  ~BlobTarStream();

  // The next piece into `out` (replacing it). Returns false at the end (`out` empty) or on
  // failure (`error()` says which file could not be read, or that it changed size).
  bool next(std::string& out);
  const std::string& error() const { return error_; }

 private:
  std::span<const BlobSource> blobs_;
  std::size_t index_ = 0;
  enum class Phase { header, body, padding, trailer, done } phase_ = Phase::header;
  std::FILE* file_ = nullptr;
  std::uint64_t sent_ = 0;  // bytes of the current blob's content sent
  std::string error_;
};

}  // namespace lab::client
