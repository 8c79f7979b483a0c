#include <lab/client/project.hpp>

#include <lab/files/ignore.hpp>
#include <lab/util/strings.hpp>

#include <algorithm>
#include <map>
#include <memory>

namespace lab::client {
namespace {

namespace fs = std::filesystem;

// True when `path` or one of its folders matches the exclude globs.
bool excluded(const files::IgnoreList& list, const std::string& path) {
  std::size_t slash = 0;
  while ((slash = path.find('/', slash)) != std::string::npos) {
    std::string dir = path.substr(0, slash);
    if (files::match_list(list, dir, dir.substr(dir.rfind('/') + 1), true).excluded()) return true;
    ++slash;
  }
  auto base = path.rfind('/');
  return files::match_list(list, path, base == std::string::npos ? path : path.substr(base + 1), false).excluded();
}

std::string clean_remote(const std::string& remote) {
  std::string r = fs::path(remote).lexically_normal().generic_string();
  while (!r.empty() && r.back() == '/') r.pop_back();
  return r == "." ? "" : r;
}

// The manifest (sorted by path) and one blob source per distinct content.
ProjectFiles files_of(std::map<std::string, std::pair<files::Entry, fs::path>>& by_path) {
  ProjectFiles out;
  std::map<std::string, bool> seen_hash;
  for (auto& [path, item] : by_path) {
    auto& [entry, from] = item;
    const std::string hex = entry.hash.hex();
    if (!seen_hash[hex]) {
      seen_hash[hex] = true;
      BlobSource b{hex, entry.size, from, std::nullopt};
      if (entry.kind == files::EntryKind::symlink) b.data = entry.target;
      out.blobs.push_back(std::move(b));
    }
    out.manifest.entries.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

Result<ProjectFiles> collect_project(const ProjectOptions& opt, files::ScanReport* report) {
  auto scanned = files::scan(opt.root, opt.scan, report);
  if (!scanned) return std::unexpected(scanned.error());
  // path -> (entry, where its bytes are)
  std::map<std::string, std::pair<files::Entry, fs::path>> by_path;
  const auto list = files::parse_ignore(util::join(opt.exclude, "\n"), "", "task.toml [files] exclude");
  for (auto& e : scanned->entries)
    if (!excluded(list, e.path)) by_path[e.path] = {e, opt.root / e.path};

  for (const auto& u : opt.uploads) {
    const fs::path local = fs::path(u.local).is_absolute() ? fs::path(u.local) : opt.root / u.local;
    const std::string remote = clean_remote(u.remote);
    std::error_code ec;
    auto st = fs::symlink_status(local, ec);
    if (ec || !fs::exists(st))
      return fail(Errc::not_found, "[files] upload names \"" + u.local + "\", but there is no such file or folder (" + local.string() + ")");
    if (fs::is_directory(st)) {
      files::ScanOptions so = opt.scan;
      so.git_excludes = false;
      auto sub = files::scan(local, so, report);
      if (!sub) return std::unexpected(sub.error());
      for (auto& e : sub->entries) {
        fs::path from = local / e.path;
        e.path = remote.empty() ? e.path : remote + "/" + e.path;
        by_path[e.path] = {e, from};
      }
    } else if (fs::is_regular_file(st)) {
      files::Entry e;
      e.path = remote;
      e.executable = (st.permissions() & fs::perms::owner_exec) != fs::perms::none;
      auto h = files::Hash128::of_file(local, &e.size);
      if (!h) return std::unexpected(h.error());
      e.hash = *h;
      by_path[remote] = {e, local};
    } else {
      return fail(Errc::invalid_argument, "[files] upload names \"" + u.local + "\", which is neither a file nor a folder");
    }
  }

  return files_of(by_path);
}

Result<ProjectFiles> collect_dataset(const fs::path& root, files::ScanOptions scan, files::ScanReport* report) {
  scan.gitignore = false;
  scan.git_excludes = false;
  auto scanned = files::scan(root, scan, report);
  if (!scanned) return std::unexpected(scanned.error());
  std::map<std::string, std::pair<files::Entry, fs::path>> by_path;
  for (auto& e : scanned->entries) {
    const std::string path = e.path;
    by_path[path] = {std::move(e), root / path};
  }
  return files_of(by_path);
}

std::vector<const files::Entry*> largest_entries(const files::Manifest& m, std::size_t n) {
  std::vector<const files::Entry*> all;
  for (const auto& e : m.entries) all.push_back(&e);
  std::stable_sort(all.begin(), all.end(), [](const files::Entry* a, const files::Entry* b) { return a->size > b->size; });
  if (all.size() > n) all.resize(n);
  return all;
}

}  // namespace lab::client
