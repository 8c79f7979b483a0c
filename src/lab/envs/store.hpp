// The envs folder's layout, lock files and markers (private to lab::envs).
//
//   <envs>/<key>                 symlink -> builds/<key>.<stamp>; appears only once ready
//   <envs>/builds/<key>.<stamp>/ env/ (the venv), inputs/ (staged copies), lab-env.json
//                                (written last), last-used (its mtime is the last use)
//   <envs>/locks/<key>.lock      flock: exclusive to build or evict, shared while leased
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace lab::envs::detail {

inline constexpr const char* kMarker = "lab-env.json";
inline constexpr const char* kLastUsed = "last-used";

// True for a 32-digit lower-case hex key (a folder name the store owns).
bool is_key(std::string_view name);

// The build folder `<envs>/<key>` points at when that environment is ready, else nullopt.
std::optional<std::filesystem::path> ready_build(const std::filesystem::path& envs, const std::string& key);

// Opens (creating) the key's lock file, close-on-exec. -1 on failure.
int open_lock(const std::filesystem::path& envs, const std::string& key);

// flock wrappers: `wait` false returns false at once when someone else holds it.
bool lock_exclusive(int fd, bool wait);
bool lock_shared(int fd);
void close_fd(int fd);

// Disk use of a folder: allocated blocks of its regular files, each inode counted once,
// symlinks not followed.
std::uint64_t disk_usage(const std::filesystem::path& dir);

// Sets `file`'s mtime to `epoch_ms`, creating it when missing. Best effort.
void touch(const std::filesystem::path& file, std::int64_t epoch_ms);

// `file`'s mtime in epoch ms; 0 when missing.
std::int64_t mtime_ms(const std::filesystem::path& file);

// Writes `text` to `file` through a temporary file and rename, after fsync.
Result<void> write_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace lab::envs::detail
