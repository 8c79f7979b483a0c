// Folders packed as tar.zst and unpacked safely, streaming with fixed-size buffers.
// The contract is written down in docs/archive.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <lab/result.hpp>

namespace lab::archive {

// Receives the next chunk of archive bytes; an error stops packing and is returned as is.
using WriteFn = std::function<Result<void>(std::span<const std::byte>)>;

// Fills up to `buf.size()` bytes and returns how many; 0 means the end of the archive.
using ReadFn = std::function<Result<std::size_t>(std::span<std::byte>)>;

// An open file descriptor; the caller keeps ownership (it is never closed here).
struct Fd {
  int fd = -1;
};

// Where packed bytes go: a file (created or truncated), an fd, or a callback.
using Sink = std::variant<std::filesystem::path, Fd, WriteFn>;

// Where archive bytes come from: a file, an fd, or a callback.
using Source = std::variant<std::filesystem::path, Fd, ReadFn>;

// zstd level 1 (fast); levels 1..19 are accepted.
inline constexpr int kDefaultZstdLevel = 1;

// Size of every buffer packing and unpacking use; memory does not depend on archive size.
inline constexpr std::size_t kBufferBytes = 64 * 1024;

struct PackOptions {
  int zstd_level = kDefaultZstdLevel;
};

// What a pack or unpack did.
struct Stats {
  std::uint64_t entries = 0;       // files, folders and links written
  std::uint64_t content_bytes = 0; // bytes of file contents
};

// Packs everything under `root` (files, folders including empty ones, symlinks as links,
// never followed) in sorted order, as PAX tar compressed with zstd. Paths in the archive
// are relative to `root`. Mode bits (0777), mtimes and symlink targets are kept; owners are
// not (entries are owned by uid 0). Fails naming the path if `root` holds a fifo, socket or
// device, or if a file changes size while it is read. On failure the sink may hold a
// partial archive; the caller discards it.
Result<Stats> pack_folder(const std::filesystem::path& root, const Sink& sink,
                          const PackOptions& options = {});

// Packs the listed paths, each relative to `root` ('/'-separated, no `..`, not absolute), in
// the order given. A listed folder becomes one folder entry; its contents are not added
// unless listed too. Otherwise as `pack_folder`.
Result<Stats> pack_entries(const std::filesystem::path& root, std::span<const std::string> entries,
                           const Sink& sink, const PackOptions& options = {});

// Unpacks a tar (zstd-compressed or not) into `target`, creating it if missing. Mode bits
// (0777, never setuid/setgid/sticky), mtimes and symlinks are restored. Refuses, with
// Errc::corrupt and a message naming the entry: absolute paths, any `..` component,
// symlinks or hardlinks that resolve outside `target`, hardlinks to anything this archive
// did not extract, devices, fifos and sockets, and entries that would be written through a
// symlink from the archive. Nothing outside `target` is ever written. On failure, entries
// extracted before the failing one stay in `target` (the message says how many) and no
// symlink from the archive is left behind; the caller removes `target` if it wants all or
// nothing.
Result<Stats> unpack(const Source& source, const std::filesystem::path& target);

}  // namespace lab::archive
