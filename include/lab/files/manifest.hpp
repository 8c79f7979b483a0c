// The manifest of a project folder: what an upload sends, one entry per file or symlink.
// Its JSON form is specified in docs/manifest.md.
#pragma once

#include <lab/result.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lab::files {

// XXH3-128 of some bytes, in canonical (big-endian) byte order.
struct Hash128 {
  std::array<std::uint8_t, 16> bytes{};

  // 32 lower-case hex digits.
  std::string hex() const;
  // Parses 32 hex digits; nullopt-like failure as Errc::invalid_argument.
  static Result<Hash128> from_hex(std::string_view hex);
  // XXH3-128 of `data` in one call.
  static Hash128 of(std::string_view data);
  // XXH3-128 of the file at `path`, streamed; its length goes to `*size` when given.
  // Errc::io (naming the file) when it cannot be read.
  static Result<Hash128> of_file(const std::filesystem::path& path, std::uint64_t* size = nullptr);
  bool operator==(const Hash128&) const = default;
};

enum class EntryKind : std::uint8_t { file, symlink };

// One uploaded path.
struct Entry {
  std::string path;    // relative to the folder, '/'-separated, bytes as on disk
  EntryKind kind = EntryKind::file;
  bool executable = false;  // owner execute bit (files only)
  std::uint64_t size = 0;   // file length; for a symlink the length of its target
  Hash128 hash;             // of the contents; for a symlink of its target string
  std::string target;       // symlinks only: the target as stored, never followed

  // Git-style mode string: "100644", "100755" or "120000".
  std::string_view mode() const;
  // True for a symlink whose target is absolute or climbs above the folder's root.
  bool points_outside() const;
  bool operator==(const Entry&) const = default;
};

// Entries sorted by path, byte-wise (the order `git ls-files` prints).
struct Manifest {
  std::vector<Entry> entries;

  // Sum of `size` over entries.
  std::uint64_t total_bytes() const;
  bool operator==(const Manifest&) const = default;
};

// The manifest as JSON (docs/manifest.md), with entries in manifest order. Never fails: a
// path that is not valid UTF-8 is carried byte-exact in `path_hex`.
std::string to_json(const Manifest& m, bool pretty = false);

// Reads what to_json wrote. Errc::corrupt when the text is not a manifest (names the field).
Result<Manifest> manifest_from_json(std::string_view text);

}  // namespace lab::files
