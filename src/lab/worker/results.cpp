#include "results.hpp"

#include <lab/archive/archive.hpp>
#include <lab/files/ignore.hpp>

#include <algorithm>

namespace lab::worker {
namespace fs = std::filesystem;

bool matches_download(const std::vector<std::string>& patterns, const std::string& path) {
  for (std::string glob : patterns) {
    while (glob.starts_with("./")) glob.erase(0, 2);
    bool folders_only = !glob.empty() && glob.back() == '/';
    while (!glob.empty() && glob.back() == '/') glob.pop_back();
    if (glob.empty()) continue;
    // The path itself (a file), then each folder above it.
    if (!folders_only && files::wildmatch(glob, path, true)) return true;
    for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
      if (files::wildmatch(glob, std::string_view(path).substr(0, slash), true)) return true;
  }
  return false;
}

bool is_lab_own(std::string_view path) {
  for (std::size_t at = 0; at <= path.size();) {
    if (path.substr(at).starts_with(kLabOwnPrefix)) return true;
    const auto slash = path.find('/', at);
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  return false;
}

std::vector<std::string> result_files(const fs::path& folder, const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::string rel = it->path().lexically_relative(folder).generic_string();
    if (!is_lab_own(rel) && matches_download(patterns, rel)) out.push_back(std::move(rel));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::size_t> pack_results(const fs::path& folder, const std::vector<std::string>& patterns,
                                 const fs::path& archive_path) {
  std::vector<std::string> files = result_files(folder, patterns);
  auto packed = archive::pack_entries(folder, files, archive_path);
  if (!packed) return fail_with_context(packed.error(), "packing the results");
  return files.size();
}

}  // namespace lab::worker
