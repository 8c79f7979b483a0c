#include "materialise.hpp"

#include <lab/files/manifest.hpp>
#include <lab/storage/layout.hpp>

#include <atomic>
#include <cerrno>
#include <unistd.h>

namespace lab::remote {
namespace fs = std::filesystem;

namespace {

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

Result<MaterialiseStats> materialise(storage::Storage& storage, BlobCache& cache, std::string_view manifest_key,
                                     const fs::path& folder) {
  std::string text;
  auto got = storage.get_stream(manifest_key, [&](std::span<const std::byte> b) -> Result<void> {
    text.append(reinterpret_cast<const char*>(b.data()), b.size());
    return {};
  });
  if (!got) {
    if (got.error().code == Errc::not_found)
      return fail(Errc::not_found, "the project's file list (" + std::string(manifest_key) +
                                       ") is missing from storage; submit the task again");
    return std::unexpected(got.error());
  }
  auto manifest = files::manifest_from_json(text);
  if (!manifest) return fail_with_context(manifest.error(), "the project's file list");

  std::error_code ec;
  fs::remove_all(folder, ec);
  fs::create_directories(folder, ec);
  if (ec) return fail(Errc::io, "cannot create the task folder " + folder.string() + ": " + ec.message());
  MaterialiseStats stats;
  for (const auto& e : manifest->entries) {
    if (!safe_relative(e.path))
      return fail(Errc::corrupt, "the project lists the path '" + e.path + "', which would leave the task folder");
    const fs::path to = folder / e.path;
    fs::create_directories(to.parent_path(), ec);
    if (ec) return fail(Errc::io, "cannot create " + to.parent_path().string() + ": " + ec.message());
    if (e.kind == files::EntryKind::symlink) {
      if (e.points_outside())
        return fail(Errc::corrupt, "the project's symlink '" + e.path + "' points outside the project folder");
      fs::create_symlink(e.target, to, ec);
      if (ec) return fail(Errc::io, "cannot create the symlink " + to.string() + ": " + ec.message());
      continue;
    }
    bool fetched = false;
    auto blob = cache.get(e.hash.hex(), e.size, e.executable, fetched);
    if (!blob) {
      if (blob.error().code == Errc::not_found)
        return fail(Errc::not_found, "the project file '" + e.path + "' (blob " + e.hash.hex() +
                                         ") is missing from storage; submit the task again");
      return fail_with_context(blob.error(), "project file '" + e.path + "'");
    }
    if (auto l = link_or_copy(*blob, to); !l) return std::unexpected(l.error());
    stats.files += 1;
    stats.fetched += fetched ? 1 : 0;
    stats.bytes += e.size;
  }
  return stats;
}

}  // namespace lab::remote
