// Helpers for the archive tests: scratch folders, file trees, hand-made tar files.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace lab::archive::test {

namespace fs = std::filesystem;

// The error message of a failed result, "" for a success (safe in doctest messages, which
// are built even for passing checks when run with -s).
template <class R>
std::string why(const R& r) {
  return r.has_value() ? std::string() : r.error().message;
}

// A fresh folder under the system temp dir, removed when the object goes.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("lab-archive-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(rd()));
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

inline void write_file(const fs::path& p, const std::string& content, fs::perms mode = fs::perms(0644)) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  fs::permissions(p, mode);
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One line per path under `root`: type, mode, mtime (seconds), and contents or link target,
// so two trees compare equal only if they match in everything an archive must keep.
inline std::vector<std::string> describe_tree(const fs::path& root) {
  std::vector<std::string> lines;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    struct stat st{};
    ::lstat(it->path().c_str(), &st);
    std::string rel = it->path().lexically_relative(root).generic_string();
    std::string line = rel + " mode=" + std::to_string(st.st_mode & 07777);
    if (S_ISLNK(st.st_mode)) {
      line += " link=" + fs::read_symlink(it->path()).string();
    } else {
      line += " mtime=" + std::to_string(st.st_mtim.tv_sec);
      if (S_ISREG(st.st_mode)) line += " data=" + read_file(it->path());
      if (S_ISDIR(st.st_mode)) line += " dir";
    }
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// An entry of a hand-made tar: `type` is AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFIFO;
// `link` is the symlink target, or for a hardlink (with type AE_IFREG) the linked path.
struct RawEntry {
  std::string path;
  unsigned type = AE_IFREG;
  std::string data;
  std::string link;
  bool hardlink = false;
};

// Writes an uncompressed PAX tar with exactly these entries, unchecked, as an attacker could.
inline void write_raw_tar(const fs::path& out, const std::vector<RawEntry>& entries) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open_filename(a, out.c_str());
  for (const auto& r : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, r.path.c_str());
    archive_entry_set_filetype(e, r.type);
    archive_entry_set_perm(e, 0644);
    if (r.hardlink) {
      archive_entry_set_hardlink(e, r.link.c_str());
    } else if (r.type == AE_IFLNK) {
      archive_entry_set_symlink(e, r.link.c_str());
    }
    if (r.type == AE_IFREG && !r.hardlink) archive_entry_set_size(e, static_cast<la_int64_t>(r.data.size()));
    archive_write_header(a, e);
    if (!r.data.empty() && !r.hardlink) archive_write_data(a, r.data.data(), r.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

}  // namespace lab::archive::test
