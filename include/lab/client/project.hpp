// What a submit uploads: the project folder as lab::files scans it (honouring .gitignore and
// .labignore), minus task.toml's `files.exclude` globs, plus its `files.upload` extras; and
// where each blob's bytes can be read.
#pragma once

#include <lab/client/proxy_client.hpp>
#include <lab/config/task.hpp>
#include <lab/files/scan.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace lab::client {

struct ProjectOptions {
  std::filesystem::path root = ".";           // the project folder
  std::vector<config::Upload> uploads;        // extras: `local` (root-relative or absolute) -> `remote`
  std::vector<std::string> exclude;           // gitignore-style globs, relative to `root`
  files::ScanOptions scan;                    // hashing progress, threads, cache
};

struct ProjectFiles {
  files::Manifest manifest;                   // the task folder's files, sorted by path
  std::vector<BlobSource> blobs;              // one per distinct hash in the manifest
};

// Scans `root` and the extras. An extra folder is scanned with its own ignore files; an extra
// overrides a scanned file at the same path. Fails when the folder or an extra cannot be
// read (naming it). Warnings (unreadable folders, ...) go to `report`.
Result<ProjectFiles> collect_project(const ProjectOptions& options, files::ScanReport* report = nullptr);

// What `lab data sync` uploads: every file under `root` except `.git/` and what `.labignore`
// files leave out (`.gitignore` files and git's own excludes are not read: a data folder's
// .gitignore usually hides the data itself). `scan`'s ignore switches are overridden.
Result<ProjectFiles> collect_dataset(const std::filesystem::path& root, files::ScanOptions scan,
                                     files::ScanReport* report = nullptr);

// The largest `n` entries, largest first (for the summary line).
std::vector<const files::Entry*> largest_entries(const files::Manifest& m, std::size_t n);

}  // namespace lab::client
