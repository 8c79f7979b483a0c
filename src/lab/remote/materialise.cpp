#include "materialise.hpp"

#include <lab/files/manifest.hpp>
#include <lab/storage/layout.hpp>
#include <lab/util/parallel.hpp>

#include <atomic>
#include <set>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <unistd.h>

namespace lab::remote {
namespace fs = std::filesystem;

namespace {

// Blobs fetched from storage at once (one GET each: a project of thousands of small files
// would otherwise be that many round trips one after another).
constexpr int kFetchThreads = 8;

// True if `path` is relative and has no empty, "." or ".." component.
bool safe_relative(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

// Hard-links `from` to `to`, or copies it when a link cannot be made (another file system).
Result<void> link_or_copy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (!ec) return {};
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return fail(Errc::io, "cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
  fs::permissions(to, fs::status(from).permissions(), ec);
  return {};
}

// A temporary name beside `path` that no other thread or process uses at the same time (two
// preparers fetching one blob must not write into one file, nor rename it from each other).
fs::path temp_beside(const fs::path& path) {
  static std::atomic<std::uint64_t> counter{0};
  return path.string() + ".part-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

}  // namespace

Result<fs::path> BlobCache::get(std::string_view hash, std::uint64_t size, bool executable, bool& fetched) {
  fetched = false;
  auto key = storage::layout::blob_key(hash);
  if (!key) return std::unexpected(key.error());
  const fs::path plain = dir_ / "blobs" / std::string(hash.substr(0, 2)) / std::string(hash);
  const fs::path wanted = executable ? fs::path(plain.string() + ".x") : plain;
  std::error_code ec;
  if (fs::is_regular_file(wanted, ec)) return wanted;
  fs::create_directories(plain.parent_path(), ec);
  if (ec) return fail(Errc::io, "cannot create the blob cache folder " + plain.parent_path().string() + ": " + ec.message());
  if (!fs::is_regular_file(plain, ec)) {
    const fs::path tmp = temp_beside(plain);
    if (auto got = storage_.get_file(*key, tmp); !got) return std::unexpected(got.error());
    if (fs::file_size(tmp, ec) != size) {
      fs::remove(tmp, ec);
      return fail(Errc::corrupt, "blob " + std::string(hash) + " in storage does not have the size the manifest says");
    }
    fs::permissions(tmp, fs::perms(0644), ec);
    fs::rename(tmp, plain, ec);
    if (ec) return fail(Errc::io, "cannot add " + plain.string() + " to the blob cache: " + ec.message());
    fetched = true;
  }
  if (!executable) return plain;
  const fs::path tmp = temp_beside(wanted);
  fs::copy_file(plain, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::permissions(tmp, fs::perms(0755), ec);
  if (!ec) fs::rename(tmp, wanted, ec);
  if (ec) return fail(Errc::io, "cannot add " + wanted.string() + " to the blob cache: " + ec.message());
  return wanted;
}

namespace {

// How `build` speaks of what it builds: a project or a dataset.
struct Wording {
  std::string list;   // "the project's file list"
  std::string file;   // "the project file"
  std::string again;  // "submit the task again"
  std::string where;  // "the task folder"
};

// The error for a file whose blob could not be had.
Error blob_error(const files::Entry& e, const Error& error, const Wording& w) {
  if (error.code == Errc::not_found)
    return Error{Errc::not_found,
                 w.file + " '" + e.path + "' (blob " + e.hash.hex() + ") is missing from storage; " + w.again};
  return Error{error.code, w.file + " '" + e.path + "': " + error.message};
}

// Builds `folder` from the manifest at `manifest_key` (see materialise). With `fresh_empty`,
// empty files are created rather than linked (they cost no space, and share no inode).
Result<MaterialiseStats> build(storage::Storage& storage, BlobCache& cache, std::string_view manifest_key,
                               const fs::path& folder, const Wording& w, bool fresh_empty) {
  std::string text;
  auto got = storage.get_stream(manifest_key, [&](std::span<const std::byte> b) -> Result<void> {
    text.append(reinterpret_cast<const char*>(b.data()), b.size());
    return {};
  });
  if (!got) {
    if (got.error().code == Errc::not_found)
      return fail(Errc::not_found, w.list + " (" + std::string(manifest_key) + ") is missing from storage; " + w.again);
    return std::unexpected(got.error());
  }
  auto manifest = files::manifest_from_json(text);
  if (!manifest) return fail_with_context(manifest.error(), w.list);

  std::error_code ec;
  fs::remove_all(folder, ec);
  fs::create_directories(folder, ec);
  if (ec) return fail(Errc::io, "cannot create " + w.where + " " + folder.string() + ": " + ec.message());
  // Every path is checked, and every blob not cached yet fetched (several at once), before
  // the folder is built from the cache.
  std::vector<const files::Entry*> blobs;
  std::set<std::string> seen;
  for (const auto& e : manifest->entries) {
    if (!safe_relative(e.path))
      return fail(Errc::corrupt, w.list + " has the path '" + e.path + "', which would leave " + w.where);
    if (e.kind == files::EntryKind::symlink && e.points_outside())
      return fail(Errc::corrupt, "the symlink '" + e.path + "' of " + w.list + " points outside its folder");
    if (e.kind == files::EntryKind::file && !(fresh_empty && e.size == 0 && !e.executable) &&
        seen.insert(e.hash.hex()).second)
      blobs.push_back(&e);
  }
  std::atomic<std::uint64_t> fetched_now{0};
  auto fetched_all = util::parallel_for(blobs.size(), kFetchThreads, [&](std::size_t i) -> Result<void> {
    bool fetched = false;
    auto blob = cache.get(blobs[i]->hash.hex(), blobs[i]->size, false, fetched);
    if (!blob) return std::unexpected(blob_error(*blobs[i], blob.error(), w));
    fetched_now += fetched ? 1 : 0;
    return {};
  });
  if (!fetched_all) return std::unexpected(fetched_all.error());
  MaterialiseStats stats;
  stats.fetched = fetched_now;
  for (const auto& e : manifest->entries) {  // every path was checked above
    const fs::path to = folder / e.path;
    fs::create_directories(to.parent_path(), ec);
    if (ec) return fail(Errc::io, "cannot create " + to.parent_path().string() + ": " + ec.message());
    if (e.kind == files::EntryKind::symlink) {
      fs::create_symlink(e.target, to, ec);
      if (ec) return fail(Errc::io, "cannot create the symlink " + to.string() + ": " + ec.message());
      continue;
    }
    if (fresh_empty && e.size == 0 && !e.executable) {
      std::ofstream touch(to, std::ios::binary | std::ios::trunc);
      if (!touch) return fail(Errc::io, "cannot create " + to.string());
      stats.files += 1;
      continue;
    }
    bool fetched = false;
    auto blob = cache.get(e.hash.hex(), e.size, e.executable, fetched);
    if (!blob) return std::unexpected(blob_error(e, blob.error(), w));
    if (auto l = link_or_copy(*blob, to); !l) return std::unexpected(l.error());
    stats.files += 1;
    stats.fetched += fetched ? 1 : 0;  // (only when the cache lost it since the fetch above)
    stats.bytes += e.size;
  }
  return stats;
}

}  // namespace

Result<MaterialiseStats> materialise(storage::Storage& storage, BlobCache& cache, std::string_view manifest_key,
                                     const fs::path& folder) {
  static const Wording project{"the project's file list", "the project file", "submit the task again", "the task folder"};
  return build(storage, cache, manifest_key, folder, project, false);
}

Result<MaterialiseStats> materialise_dataset(storage::Storage& storage, BlobCache& cache, std::string_view name,
                                             std::string_view hash, const fs::path& folder) {
  auto prefix = storage::layout::dataset_prefix(hash);
  if (!prefix) return std::unexpected(prefix.error());
  const std::string n(name);
  const Wording dataset{"the file list of dataset '" + n + "'", "dataset '" + n + "' file",
                        "upload it again with `lab data sync`", "the dataset's folder"};
  return build(storage, cache, *prefix + std::string(kDatasetManifest), folder, dataset, true);
}

}  // namespace lab::remote
