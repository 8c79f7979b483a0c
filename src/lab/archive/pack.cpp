// Packing: walks a folder or an entry list and streams a PAX tar through zstd into a sink.
#include <lab/archive/archive.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "entry_check.hpp"

namespace lab::archive {
namespace {

namespace fs = std::filesystem;

struct WriterDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
using Writer = std::unique_ptr<struct archive, WriterDeleter>;

struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using Entry = std::unique_ptr<archive_entry, EntryDeleter>;

// State shared with libarchive's write callback; `error` holds the callback's own failure.
struct CallbackSink {
  const WriteFn* write = nullptr;
  std::optional<Error> error;
};

// "`what` 'name'", built step by step (g++ 12 misreports `"..." + std::string` here).
std::string quoted(const char* what, const std::string& name) {
  std::string s(what);
  s.append(" '").append(name).append("'");
  return s;
}

la_ssize_t write_to_callback(struct archive* a, void* data, const void* buf, size_t n) {
  auto* sink = static_cast<CallbackSink*>(data);
  auto r = (*sink->write)(std::span<const std::byte>(static_cast<const std::byte*>(buf), n));
  if (!r) {
    sink->error = r.error();
    archive_set_error(a, EIO, "%s", r.error().message.c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

// Packs entries one at a time into one open archive writer.
class Packer {
 public:
  Packer(fs::path root, const Sink& sink) : root_(std::move(root)), sink_(sink), buf_(kBufferBytes) {}

  Result<void> open(const PackOptions& options) {
    if (options.zstd_level < 1 || options.zstd_level > 19) {
      return fail(Errc::invalid_argument, "zstd level " + std::to_string(options.zstd_level) +
                                              " is out of range; use 1 (fast) to 19 (small)");
    }
    a_.reset(archive_write_new());
    if (!a_) return fail(Errc::internal, "could not create an archive writer (out of memory?)");
    std::string level = "zstd:compression-level=" + std::to_string(options.zstd_level);
    if (archive_write_set_format_pax_restricted(a_.get()) != ARCHIVE_OK ||
        archive_write_add_filter_zstd(a_.get()) != ARCHIVE_OK ||
        archive_write_set_options(a_.get(), level.c_str()) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(a_.get(), static_cast<int>(kBufferBytes)) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a_.get(), 1) != ARCHIVE_OK) {
      return failure(Errc::internal, "setting up the tar.zst writer");
    }
    int rc = ARCHIVE_FATAL;
    if (const auto* path = std::get_if<fs::path>(&sink_)) {
      rc = archive_write_open_filename(a_.get(), path->c_str());
    } else if (const auto* fd = std::get_if<Fd>(&sink_)) {
      rc = archive_write_open_fd(a_.get(), fd->fd);
    } else {
      callback_.write = &std::get<WriteFn>(sink_);
      rc = archive_write_open2(a_.get(), &callback_, nullptr, write_to_callback, nullptr, nullptr);
    }
    if (rc != ARCHIVE_OK) return failure(Errc::io, "opening the archive for writing");
    return {};
  }

  // Adds `rel` (components already checked) as it is on disk now.
  Result<void> add(const std::string& rel) {
    fs::path full = root_ / rel;
    struct stat st{};
    if (::lstat(full.c_str(), &st) != 0) {
      return fail(errno == ENOENT ? Errc::not_found : Errc::io,
                  "cannot pack '" + full.string() + "': " + std::strerror(errno));
    }
    Entry e(archive_entry_new());
    archive_entry_set_pathname(e.get(), rel.c_str());
    archive_entry_set_perm(e.get(), st.st_mode & 0777);
    archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    if (S_ISREG(st.st_mode)) {
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_size(e.get(), st.st_size);
    } else if (S_ISDIR(st.st_mode)) {
      archive_entry_set_filetype(e.get(), AE_IFDIR);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlink(full.c_str(), target.data(), target.size());
      if (n < 0) return fail(Errc::io, "cannot read the symlink '" + full.string() + "': " + std::strerror(errno));
      target.resize(static_cast<std::size_t>(n));
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_symlink(e.get(), target.c_str());
    } else {
      return fail(Errc::invalid_argument, "cannot pack '" + full.string() +
                                              "': it is a fifo, socket or device; only files, "
                                              "folders and symlinks can be packed");
    }
    if (archive_write_header(a_.get(), e.get()) < ARCHIVE_WARN) {
      return failure(Errc::io, quoted("writing the header of", rel));
    }
    ++stats_.entries;
    if (S_ISREG(st.st_mode)) return copy_contents(full, rel, static_cast<std::uint64_t>(st.st_size));
    return {};
  }

  Result<Stats> finish() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return failure(Errc::io, "finishing the archive");
    return stats_;
  }

 private:
  Result<void> copy_contents(const fs::path& full, const std::string& rel, std::uint64_t size) {
    int fd = ::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail(Errc::io, "cannot read '" + full.string() + "': " + std::strerror(errno));
    std::uint64_t done = 0;
    Result<void> result;
    while (result) {
      ssize_t n = ::read(fd, buf_.data(), buf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        result = fail(Errc::io, "cannot read '" + full.string() + "': " + std::strerror(errno));
        break;
      }
      if (n == 0) break;
      if (done + static_cast<std::uint64_t>(n) > size) break;  // grew: caught below
      if (archive_write_data(a_.get(), buf_.data(), static_cast<size_t>(n)) < 0) {
        result = failure(Errc::io, quoted("writing the contents of", rel));
        break;
      }
      done += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    if (result && done != size) {
      result = fail(Errc::conflict,
                    quoted("the file", full.string()) + " changed size while it was being packed; pack again");
    }
    stats_.content_bytes += done;
    return result;
  }

  // An error from libarchive (or from the sink callback, which takes precedence).
  std::unexpected<Error> failure(Errc code, const std::string& doing) {
    if (callback_.error) return fail_with_context(*callback_.error, doing);
    const char* why = a_ ? archive_error_string(a_.get()) : nullptr;
    return fail(code, doing + " failed: " + (why ? why : "unknown libarchive error"));
  }

  fs::path root_;
  const Sink& sink_;
  std::vector<char> buf_;
  Writer a_;
  CallbackSink callback_;
  Stats stats_;
};

Result<Stats> pack_list(const fs::path& root, const std::vector<std::string>& rels, const Sink& sink,
                        const PackOptions& options) {
  Packer packer(root, sink);
  if (auto r = packer.open(options); !r) return std::unexpected(r.error());
  for (const auto& rel : rels) {
    if (auto r = packer.add(rel); !r) return std::unexpected(r.error());
  }
  return packer.finish();
}

}  // namespace

Result<Stats> pack_folder(const fs::path& root, const Sink& sink, const PackOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return fail(Errc::not_found, "cannot pack '" + root.string() + "': it is not a folder");
  }
  std::vector<std::string> rels;
  fs::recursive_directory_iterator it(root, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    rels.push_back(it->path().lexically_relative(root).generic_string());
  }
  if (ec) return fail(Errc::io, "cannot list '" + root.string() + "': " + ec.message());
  std::sort(rels.begin(), rels.end());
  return pack_list(root, rels, sink, options);
}

Result<Stats> pack_entries(const fs::path& root, std::span<const std::string> entries, const Sink& sink,
                           const PackOptions& options) {
  std::vector<std::string> rels;
  rels.reserve(entries.size());
  for (const auto& entry : entries) {
    auto parts = detail::safe_components(entry);
    if (!parts) {
      return fail(Errc::invalid_argument, "cannot pack '" + entry +
                                              "': entries must be relative paths inside the folder, "
                                              "without '..'");
    }
    rels.push_back(detail::join_components(*parts));
  }
  return pack_list(root, rels, sink, options);
}

}  // namespace lab::archive
