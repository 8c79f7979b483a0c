// The persistent stat cache: for each file of one folder, the stat fields last seen and the
// content hash computed then, so that a rescan of an unchanged tree reads no contents.
// Private to lab::files (scan.cpp); the file format is described in stat_cache.cpp.
#pragma once

#include <lab/files/manifest.hpp>
#include <lab/result.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lab::files {

// The stat fields that must all be unchanged for a cached hash to be reused.
struct StatKey {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t inode = 0;
  bool operator==(const StatKey&) const = default;
};

struct CachedFile {
  std::string path;
  StatKey stat;
  Hash128 hash;
};

// One folder's cache. Not thread-safe; scan() uses it from one thread.
class StatCache {
 public:
  StatCache() = default;
  StatCache(StatCache&&) = default;  // keeps the views in by_path_ valid (buffers move whole)
  StatCache& operator=(StatCache&&) = default;
  StatCache(const StatCache&) = delete;
  StatCache& operator=(const StatCache&) = delete;

  // The cache file for the folder `root` (an absolute, canonical path) under `dir`.
  static std::filesystem::path file_for(const std::filesystem::path& dir, std::string_view root);

  // Loads `file`. A missing, unreadable, corrupt or other-folder file gives an empty cache.
  static StatCache load(const std::filesystem::path& file, std::string_view root);

  // The hash recorded for `path` if its stat still equals `stat`, else nullptr.
  const Hash128* find(std::string_view path, const StatKey& stat) const;

  // Writes `files` (entries with a trusted hash) atomically (temp file + rename).
  static Result<void> save(const std::filesystem::path& file, std::string_view root,
                           const std::vector<CachedFile>& files);

  std::size_t size() const { return files_.size(); }

 private:
  std::vector<CachedFile> files_;
  std::unordered_map<std::string_view, const CachedFile*> by_path_;  // views into files_
};

}  // namespace lab::files
