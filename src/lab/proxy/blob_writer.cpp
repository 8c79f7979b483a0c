#include "blob_writer.hpp"
#include "storage_util.hpp"

#include <lab/files/manifest.hpp>
#include <lab/ledger/blobs.hpp>
#include <lab/storage/layout.hpp>

#include <xxhash.h>

#include <cstdio>
#include <atomic>
#include <cstring>

namespace lab::proxy {

struct BlobWriter::Entry {
  std::string name;
  std::uint64_t size = 0;
  bool known = false;          // already stored: only verify
  XXH3_state_t* hash = nullptr;
  std::string memory;          // staged content (small entries)
  std::FILE* file = nullptr;   // staged content (large entries)
  std::filesystem::path path;

  ~Entry() {
    if (hash) XXH3_freeState(hash);
    if (file) std::fclose(file);
    if (!path.empty()) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  }
};

BlobWriter::BlobWriter(Context& ctx) : ctx_(ctx) {}
BlobWriter::~BlobWriter() = default;

TarSink BlobWriter::sink() {
  return TarSink{[this](const std::string& n, std::uint64_t s) { return begin(n, s); },
                 [this](std::string_view b) { return data(b); }, [this] { return end(); }};
}

Result<void> BlobWriter::begin(const std::string& name, std::uint64_t size) {
  if (auto v = storage::layout::validate_hash(name); !v)
    return fail(Errc::invalid_argument, "entry '" + name + "' is not named by a content hash (32 lower-case hex digits)");
  entry_ = std::make_unique<Entry>();
  Entry& e = *entry_;
  e.name = name;
  e.size = size;
  e.hash = XXH3_createState();
  if (!e.hash || XXH3_128bits_reset(e.hash) != XXH_OK) return fail(Errc::internal, "cannot start hashing an upload");
  auto db = ctx_.db->acquire();
  if (!db) return std::unexpected(db.error());
  auto found = ledger::find_blob(**db, name);
  if (!found) return std::unexpected(found.error());
  e.known = found->has_value();
  if (e.known) return {};
  if (size <= kMemoryStageBytes) {
    e.memory.reserve(static_cast<std::size_t>(size));
    return {};
  }
  static std::atomic<std::uint64_t> counter{0};
  e.path = ctx_.tmp_dir / ("upload-" + name + "-" + std::to_string(counter++));
  e.file = std::fopen(e.path.c_str(), "wb");
  if (!e.file) return fail(Errc::io, "cannot stage an upload in " + ctx_.tmp_dir.string() + ": " + std::strerror(errno));
  return {};
}

Result<void> BlobWriter::data(std::string_view bytes) {
  Entry& e = *entry_;
  XXH3_128bits_update(e.hash, bytes.data(), bytes.size());
  if (e.known) return {};
  if (e.file) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), e.file) != bytes.size())
      return fail(Errc::io, "cannot stage an upload in " + ctx_.tmp_dir.string() + " (is the disk full?)");
  } else {
    e.memory.append(bytes);
  }
  return {};
}

Result<void> BlobWriter::end() {
  std::unique_ptr<Entry> owned = std::move(entry_);
  Entry& e = *owned;
  XXH128_canonical_t canon;
  XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(e.hash));
  files::Hash128 h;
  std::memcpy(h.bytes.data(), canon.digest, h.bytes.size());
  if (h.hex() != e.name)
    return fail(Errc::invalid_argument, "entry '" + e.name + "' does not match its content (the content hashes to " +
                                            h.hex() + "); upload it again");
  bytes_ += static_cast<std::int64_t>(e.size);
  ++stored_;
  if (e.known) return {};
  auto key = storage::layout::blob_key(e.name);
  if (!key) return std::unexpected(key.error());
  Result<void> put;
  if (e.file) {
    if (std::fclose(std::exchange(e.file, nullptr)) != 0)
      return fail(Errc::io, "cannot stage an upload in " + ctx_.tmp_dir.string() + " (is the disk full?)");
    put = ctx_.storage->put_file(*key, e.path);
  } else {
    put = put_text(*ctx_.storage, *key, e.memory);
  }
  if (!put) return fail_with_context(put.error(), "storing blob " + e.name);
  auto db = ctx_.db->acquire();
  if (!db) return std::unexpected(db.error());
  return ledger::put_blob(**db, e.name, static_cast<std::int64_t>(e.size), ctx_.now_ms());
}

}  // namespace lab::proxy
