// Unpacking: reads a tar (zstd or plain) from a source and extracts it under one folder,
// refusing every entry that could write or point outside it.
#include <lab/archive/archive.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <set>

#include "entry_check.hpp"

namespace lab::archive {
namespace {

namespace fs = std::filesystem;

struct ReadDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct DiskDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// libarchive's disk writer does the writing; these flags are its own second line of defence
// behind the checks below. ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS is not set because every
// entry is handed over anchored under the (absolute, canonical) target; absolute entry paths
// are refused before that by `safe_components`.
constexpr int kDiskFlags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                           ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                           ARCHIVE_EXTRACT_SPARSE;

struct CallbackSource {
  const ReadFn* read = nullptr;
  std::vector<std::byte> buf;
  std::optional<Error> error;
};

la_ssize_t read_from_callback(struct archive* a, void* data, const void** out) {
  auto* src = static_cast<CallbackSource*>(data);
  auto r = (*src->read)(src->buf);
  if (!r) {
    src->error = r.error();
    archive_set_error(a, EIO, "%s", r.error().message.c_str());
    return -1;
  }
  *out = src->buf.data();
  return static_cast<la_ssize_t>(*r);
}

// A symlink from the archive, created only after every other entry.
struct PendingLink {
  std::string rel;
  std::string target;
  std::int64_t mtime = 0;
  long mtime_ns = 0;
};

class Unpacker {
 public:
  explicit Unpacker(fs::path root) : root_(std::move(root)) {}

  Result<Stats> run(const Source& source) {
    in_.reset(archive_read_new());
    disk_.reset(archive_write_disk_new());
    if (!in_ || !disk_) return fail(Errc::internal, "could not create an archive reader (out of memory?)");
    archive_read_support_format_tar(in_.get());
    archive_read_support_filter_zstd(in_.get());
    archive_write_disk_set_options(disk_.get(), kDiskFlags);
    if (auto r = open(source); !r) return std::unexpected(r.error());
    for (;;) {
      archive_entry* e = nullptr;
      int rc = archive_read_next_header(in_.get(), &e);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) return read_failure("reading the next entry");
      if (auto r = extract(e); !r) return std::unexpected(r.error());
    }
    if (auto r = create_links(); !r) return std::unexpected(r.error());
    if (archive_write_close(disk_.get()) != ARCHIVE_OK) {
      return fail(Errc::io, "finishing extraction into '" + root_.string() + "' failed: " +
                                archive_error_string(disk_.get()));
    }
    return stats_;
  }

 private:
  Result<void> open(const Source& source) {
    int rc = ARCHIVE_FATAL;
    if (const auto* path = std::get_if<fs::path>(&source)) {
      rc = archive_read_open_filename(in_.get(), path->c_str(), kBufferBytes);
    } else if (const auto* fd = std::get_if<Fd>(&source)) {
      rc = archive_read_open_fd(in_.get(), fd->fd, kBufferBytes);
    } else {
      callback_.read = &std::get<ReadFn>(source);
      callback_.buf.resize(kBufferBytes);
      rc = archive_read_open2(in_.get(), &callback_, nullptr, read_from_callback, nullptr, nullptr);
    }
    if (rc != ARCHIVE_OK) return read_failure("opening the archive");
    return {};
  }

  Result<void> extract(archive_entry* e) {
    const char* raw_path = archive_entry_pathname(e);
    std::string raw = raw_path ? raw_path : "";
    auto parts = detail::safe_components(raw);
    if (!parts) return refuse(raw, "escapes the target folder");
    std::string rel = detail::join_components(*parts);
    for (std::size_t i = 1; i <= parts->size(); ++i) {
      std::vector<std::string> prefix(parts->begin(), parts->begin() + static_cast<std::ptrdiff_t>(i));
      std::string p = detail::join_components(prefix);
      if (link_paths_.contains(p)) {
        return refuse(raw, "would be written through the symlink '" + p + "' from the same archive");
      }
    }
    const char* hardlink = archive_entry_hardlink(e);
    auto type = archive_entry_filetype(e);
    if (hardlink != nullptr) {
      auto target = detail::safe_components(hardlink);
      if (!target || !files_.contains(detail::join_components(*target))) {
        return refuse(raw, std::string("is a hard link to '") + hardlink +
                               "', which is outside the target folder or not a file this archive extracted");
      }
      archive_entry_set_hardlink(e, (root_ / detail::join_components(*target)).c_str());
    } else if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(e);
      std::string text = target ? target : "";
      if (detail::escapes_lexically(*parts, text)) {
        return refuse(raw, "is a symlink to '" + text + "', which points outside the target folder");
      }
      link_paths_.insert(rel);
      links_.push_back({rel, text, archive_entry_mtime(e), archive_entry_mtime_nsec(e)});
      return {};
    } else if (type != AE_IFREG && type != AE_IFDIR) {
      return refuse(raw, "is a device, fifo or socket, which lab never extracts");
    }
    archive_entry_set_pathname(e, (root_ / rel).c_str());
    archive_entry_set_perm(e, archive_entry_perm(e) & 0777);
    archive_entry_acl_clear(e);
    archive_entry_xattr_clear(e);
    if (archive_write_header(disk_.get(), e) < ARCHIVE_WARN) return disk_failure(raw);
    if (auto r = copy_data(raw); !r) return r;
    if (archive_write_finish_entry(disk_.get()) < ARCHIVE_WARN) return disk_failure(raw);
    if (hardlink != nullptr || type == AE_IFREG) files_.insert(rel);
    ++stats_.entries;
    return {};
  }

  Result<void> copy_data(const std::string& raw) {
    for (;;) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int rc = archive_read_data_block(in_.get(), &buf, &size, &offset);
      if (rc == ARCHIVE_EOF) return {};
      if (rc < ARCHIVE_WARN) return read_failure("reading the contents of '" + raw + "'");
      if (archive_write_data_block(disk_.get(), buf, size, offset) < ARCHIVE_WARN) return disk_failure(raw);
      stats_.content_bytes += size;
    }
  }

  // Creates the symlinks, then checks each one against the finished tree: a link that looked
  // harmless alone can escape through another one ("a -> ." plus "b -> a/..").
  Result<void> create_links() {
    for (const auto& link : links_) {
      std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
      archive_entry_set_pathname(e.get(), (root_ / link.rel).c_str());
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_perm(e.get(), 0777);
      archive_entry_set_symlink(e.get(), link.target.c_str());
      archive_entry_set_mtime(e.get(), link.mtime, link.mtime_ns);
      if (archive_write_header(disk_.get(), e.get()) < ARCHIVE_WARN ||
          archive_write_finish_entry(disk_.get()) < ARCHIVE_WARN) {
        auto err = disk_failure(link.rel);
        remove_links();
        return err;
      }
      ++stats_.entries;
    }
    for (const auto& link : links_) {
      if (detail::escapes_on_disk(root_, link.rel)) {
        remove_links();
        stats_.entries -= links_.size();
        return refuse(link.rel, "is a symlink to '" + link.target +
                                    "', which resolves outside the target folder through other links; "
                                    "no symlink from the archive was kept");
      }
    }
    return {};
  }

  void remove_links() {
    for (const auto& link : links_) {
      std::error_code ec;
      if (fs::is_symlink(fs::symlink_status(root_ / link.rel, ec))) fs::remove(root_ / link.rel, ec);
    }
  }

  std::unexpected<Error> refuse(const std::string& entry, const std::string& what) {
    return fail(Errc::corrupt, "archive entry '" + entry + "' " + what + "; nothing outside '" +
                                   root_.string() + "' was written (" + std::to_string(stats_.entries) +
                                   " earlier entries were extracted there)");
  }

  std::unexpected<Error> read_failure(const std::string& doing) {
    if (callback_.error) return fail_with_context(*callback_.error, doing);
    const char* why = archive_error_string(in_.get());
    return fail(Errc::corrupt, doing + " failed: " + (why ? why : "not a tar or tar.zst archive") + " (" +
                                   std::to_string(stats_.entries) + " entries were extracted into '" +
                                   root_.string() + "' before this)");
  }

  std::unexpected<Error> disk_failure(const std::string& entry) {
    const char* why = archive_error_string(disk_.get());
    return fail(Errc::io, "extracting archive entry '" + entry + "' into '" + root_.string() +
                              "' failed: " + (why ? why : "unknown error") + " (" +
                              std::to_string(stats_.entries) + " earlier entries were extracted there)");
  }

  fs::path root_;
  std::unique_ptr<struct archive, ReadDeleter> in_;
  std::unique_ptr<struct archive, DiskDeleter> disk_;
  CallbackSource callback_;
  std::set<std::string> files_;       // regular files extracted, the only valid hardlink targets
  std::set<std::string> link_paths_;  // paths of pending symlinks, never written through
  std::vector<PendingLink> links_;
  Stats stats_;
};

}  // namespace

Result<Stats> unpack(const Source& source, const fs::path& target) {
  std::error_code ec;
  fs::create_directories(target, ec);
  if (ec) return fail(Errc::io, "cannot create the folder '" + target.string() + "': " + ec.message());
  fs::path root = fs::canonical(target, ec);
  if (ec) return fail(Errc::io, "cannot resolve the folder '" + target.string() + "': " + ec.message());
  return Unpacker(root).run(source);
}

}  // namespace lab::archive
