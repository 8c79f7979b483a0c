#include "entry_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <deque>

#include <archive.h>

#include <lab/util/strings.hpp>

namespace lab::archive::detail {
namespace {

// Both packing and unpacking use this file, so it holds the reference that makes the linker
// take xar_disabled.c's stand-ins from labcore before it reaches libarchive's own xar objects
// (which need libxml2 and ICU). Without a reference, nothing pulls the stand-ins in.
[[gnu::used]] int (*const kXarStandIns[])(struct archive*) = {&archive_write_set_format_xar,
                                                              &archive_read_support_format_xar};

constexpr int kMaxLinkHops = 40;  // as Linux's own limit for one path lookup

// The text of the symlink at `p`, or nothing if `p` is not a readable symlink.
std::optional<std::string> read_link(const std::filesystem::path& p) {
  std::string buf(4096, '\0');
  ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
  if (n < 0 || static_cast<std::size_t>(n) >= buf.size()) return std::nullopt;
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

}  // namespace

std::optional<std::vector<std::string>> safe_components(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::vector<std::string> parts;
  for (auto& part : util::split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return std::nullopt;
  return parts;
}

std::string join_components(const std::vector<std::string>& parts) {
  return util::join(parts, "/");
}

bool escapes_lexically(const std::vector<std::string>& link_parts, std::string_view link_target) {
  if (link_target.empty() || link_target.front() == '/') return true;
  std::size_t depth = link_parts.size() - 1;  // the folder holding the link
  for (const auto& part : util::split(link_target, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (depth == 0) return true;
      --depth;
    } else {
      ++depth;
    }
  }
  return false;
}

bool escapes_on_disk(const std::filesystem::path& root, const std::string& link_rel) {
  auto link_parts = safe_components(link_rel);
  if (!link_parts) return true;
  auto first = read_link(root / link_rel);
  if (!first) return true;
  std::vector<std::string> at(link_parts->begin(), link_parts->end() - 1);
  std::deque<std::string> todo;
  int hops = 0;
  auto push_target = [&](const std::string& target) {
    if (target.empty() || target.front() == '/') return false;
    auto parts = util::split(target, '/');
    todo.insert(todo.begin(), parts.begin(), parts.end());
    return true;
  };
  if (!push_target(*first)) return true;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (at.empty()) return true;
      at.pop_back();
      continue;
    }
    at.push_back(part);
    auto here = root / join_components(at);
    struct stat st{};
    if (::lstat(here.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) continue;
    if (++hops > kMaxLinkHops) return true;
    auto next = read_link(here);
    at.pop_back();
    if (!next || !push_target(*next)) return true;
  }
  return false;
}

}  // namespace lab::archive::detail
