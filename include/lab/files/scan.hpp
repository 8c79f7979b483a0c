// Walks a project folder and builds its manifest, honouring .gitignore/.labignore files
// (docs/manifest.md says which rules apply and in what order).
#pragma once

#include <lab/files/manifest.hpp>
#include <lab/result.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lab::sys {
class Clock;
}

namespace lab::files {

// How far hashing has got; passed to ScanOptions::on_progress.
struct ScanProgress {
  std::uint64_t files_hashed = 0;
  std::uint64_t bytes_hashed = 0;
  std::uint64_t files_to_hash = 0;
  std::uint64_t bytes_to_hash = 0;
};

struct ScanOptions {
  // Compute content hashes. Without them entries carry sizes and modes but a zero hash, and
  // the stat cache is neither read nor written (`lab files` without --json).
  bool hash = true;
  // Reuse hashes of files whose stat is unchanged, and remember new ones.
  bool use_stat_cache = true;
  // Where stat caches live; empty = $LAB_CACHE_DIR, else $XDG_CACHE_HOME/lab, else ~/.cache/lab.
  std::filesystem::path cache_dir;
  // Also apply git's non-tree excludes: .git/info/exclude when the folder is a repository's
  // root, and the user's core.excludesFile (default ~/.config/git/ignore).
  bool git_excludes = true;
  // Honour `.gitignore` files. `.labignore` files are always honoured; datasets read only
  // those (a data folder's .gitignore usually hides the data itself).
  bool gitignore = true;
  // Record what was left out, and why, in ScanReport::ignored.
  bool collect_ignored = false;
  // Hashing threads; 0 = one per core.
  unsigned threads = 0;
  // Time source for the racy-timestamp rule; nullptr = the real clock.
  sys::Clock* clock = nullptr;
  // Called as hashing advances, from any of the scan's threads but never concurrently.
  std::function<void(const ScanProgress&)> on_progress;
};

// A path left out of the manifest and the reason.
struct IgnoredEntry {
  std::string path;    // directories end in '/'
  std::string reason;  // "sub/.gitignore:3: build/", "always left out", "fifo: not a file"
};

// What a scan did besides the manifest.
struct ScanReport {
  std::vector<IgnoredEntry> ignored;  // sorted by path; filled with collect_ignored
  std::vector<std::string> warnings;  // e.g. a directory that could not be read
  std::uint64_t files_hashed = 0;     // contents read this time
  std::uint64_t bytes_hashed = 0;
  std::uint64_t cache_hits = 0;       // hashes taken from the stat cache
  bool cache_written = false;
};

// Builds the manifest of the folder `root`. Symlinks are recorded, never followed; `.git`
// entries are always left out; sockets, fifos and devices are skipped. Fails with
// Errc::not_found if `root` does not exist, invalid_argument if it is not a directory, io
// if a file cannot be read while hashing. A stat cache that cannot be read is ignored; one
// that cannot be written adds a warning. `report`, when given, receives details.
Result<Manifest> scan(const std::filesystem::path& root, const ScanOptions& options,
                      ScanReport* report = nullptr);

// The stat-cache folder the options select (see ScanOptions::cache_dir).
std::filesystem::path default_cache_dir();

}  // namespace lab::files
