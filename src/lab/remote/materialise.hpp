// Turns a project snapshot in storage into a task folder on the cluster: the manifest is read
// from storage, each blob is fetched once into a content-addressed local cache, and the task
// folder is built from hard links into that cache (copies when the cache is on another
// file system), with the manifest's modes and symlinks.
#pragma once

#include <lab/result.hpp>
#include <lab/storage/storage.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace lab::remote {

// What `materialise` did.
struct MaterialiseStats {
  std::uint64_t files = 0;
  std::uint64_t fetched = 0;  // blobs downloaded now (the rest came from the cache)
  std::uint64_t bytes = 0;
};

// The cache of project blobs under `cache_dir`: "<cache_dir>/blobs/<2 hex>/<hash>" (mode
// 0644) and "<hash>.x" (0755) for executables. Cached files are never modified; a blob is
// downloaded at most once by one caller; callers on several threads (or processes) sharing
// the cache may each fetch a blob they both miss, into their own temporary file, and the
// atomic rename keeps the cached file whole. Thread-safe.
class BlobCache {
 public:
  BlobCache(storage::Storage& storage, std::filesystem::path cache_dir)
      : storage_(storage), dir_(std::move(cache_dir)) {}

  // The cached file of `hash`, fetching it if needed (`fetched` tells). not_found when the
  // blob is not in storage; corrupt when its size is not `size`.
  Result<std::filesystem::path> get(std::string_view hash, std::uint64_t size, bool executable, bool& fetched);

 private:
  storage::Storage& storage_;
  std::filesystem::path dir_;
};

// Builds `folder` (removed first if present) from the manifest at `manifest_key`. Fails with
// a sentence a student can act on: not_found for a missing manifest or blob (naming the
// file), corrupt for a broken manifest or a path that would leave the folder.
Result<MaterialiseStats> materialise(storage::Storage& storage, BlobCache& cache, std::string_view manifest_key,
                                     const std::filesystem::path& folder);

// A dataset's manifest, under its folder: "datasets/<hash>/manifest.json" (the same JSON as
// a project snapshot's manifest; its files are blobs at the project blob keys).
inline constexpr std::string_view kDatasetManifest = "manifest.json";

// As `materialise`, for dataset `name` whose manifest hash is `hash`: `folder` gets hard
// links into `cache`, so the dataset and the blob cache share inodes (one copy on disk).
// Empty files are created, not linked. Messages name the dataset and say to upload it
// again (`lab data sync`) when its file list or a file is missing from storage.
Result<MaterialiseStats> materialise_dataset(storage::Storage& storage, BlobCache& cache, std::string_view name,
                                             std::string_view hash, const std::filesystem::path& folder);

}  // namespace lab::remote
