// Path rules for archive entries, shared by packing and unpacking (private to archive/).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::archive::detail {

// Splits an entry path into its components, dropping empty and "." ones ("./a//b/" ->
// {"a","b"}). Returns nothing if the path is absolute, contains `..` or a NUL, or has no
// component at all: such an entry could name something outside the target folder.
std::optional<std::vector<std::string>> safe_components(std::string_view path);

// Joins components with '/'.
std::string join_components(const std::vector<std::string>& parts);

// True if a symlink at `link_parts` (inside the target) with `link_target` would point
// outside the target folder when read as text alone: absolute, or `..` climbing above
// the top. Symlinks already on disk are not consulted (see `escapes_on_disk`).
bool escapes_lexically(const std::vector<std::string>& link_parts, std::string_view link_target);

// Follows the symlink at `root`/`link_rel` component by component as the kernel would,
// through any symlinks already on disk under `root`, and says whether it ends outside
// `root` (also true for a loop of more than 40 links or an absolute target anywhere).
// Components that do not exist yet are taken as plain folders. `root` must be canonical.
bool escapes_on_disk(const std::filesystem::path& root, const std::string& link_rel);

}  // namespace lab::archive::detail
