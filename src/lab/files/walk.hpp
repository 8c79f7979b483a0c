// The directory walk under scan(): finds what is not ignored, without reading contents.
// Private to lab::files.
#pragma once

#include <lab/files/ignore.hpp>
#include <lab/files/manifest.hpp>
#include <lab/files/scan.hpp>

#include "stat_cache.hpp"

#include <string>
#include <vector>

namespace lab::files {

// A file or symlink the walk kept, with the stat fields the cache compares.
struct Found {
  std::string path;
  EntryKind kind = EntryKind::file;
  bool executable = false;
  StatKey stat;
  std::string target;  // symlinks only
};

struct WalkResult {
  std::vector<Found> found;            // in walk order (not sorted)
  std::vector<IgnoredEntry> ignored;   // filled when asked, in walk order
  std::vector<std::string> warnings;   // unreadable directories, unreadable ignore files
};

// Walks the directory open at `root_fd` (not closed here) under the rules in `stack` (its
// fallback lists already added; per-directory lists are pushed and popped here). Never
// follows a symlink; never enters `.git` or an excluded directory.
// `gitignore` false reads only `.labignore` files.
WalkResult walk(int root_fd, IgnoreStack& stack, bool collect_ignored, bool gitignore = true);

// The lists git consults after a tree's own files for the folder `root`: the repository's
// info/exclude when `root` is a repository's top, then the user's core.excludesFile.
std::vector<IgnoreList> git_fallback_lists(const std::filesystem::path& root);

}  // namespace lab::files
