#include "blob_writer.hpp"

#include <lab/files/manifest.hpp>
#include <lab/ledger/blobs.hpp>
#include <lab/storage/layout.hpp>
#include <lab/storage/text.hpp>

#include <xxhash.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

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

// Verified entries waiting for, or being stored by, kPutThreads threads.
class BlobWriter::Puts {
 public:
  explicit Puts(storage::Storage& store) : store_(store) {
    for (int i = 0; i < kPutThreads; ++i) threads_.emplace_back([this] { run(); });
  }

  ~Puts() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
      queue_.clear();  // unstored entries are dropped (their temp files removed)
    }
    wake_.notify_all();
    threads_.clear();  // joins
  }

  // Queues `e` (waiting while too much is staged). The first failed store so far, if any.
  Result<void> add(std::unique_ptr<Entry> e) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] {
      return error_ || (queue_.size() < kMaxStagedWaiting &&
                        (staged_bytes_ == 0 || staged_bytes_ + e->size <= kMaxStagedBytes));
    });
    if (error_) return std::unexpected(*error_);
    staged_bytes_ += e->size;
    queue_.push_back(std::move(e));
    wake_.notify_one();
    return {};
  }

  // Waits for every queued entry; the stored blobs (hash, size), or the first failure.
  Result<std::vector<std::pair<std::string, std::int64_t>>> wait() {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return error_ || (queue_.empty() && busy_ == 0); });
    if (error_) return std::unexpected(*error_);
    return std::move(done_);
  }

 private:
  void run() {
    for (;;) {
      std::unique_ptr<Entry> e;
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;
        e = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
      }
      Result<void> put = store(*e);
      {
        std::lock_guard lock(mu_);
        --busy_;
        staged_bytes_ -= e->size;
        if (put) done_.emplace_back(e->name, static_cast<std::int64_t>(e->size));
        else if (!error_) error_ = put.error();
        if (error_) queue_.clear();
      }
      e.reset();  // removes a temp file before the next wait
      room_.notify_all();
    }
  }

  Result<void> store(Entry& e) {
    auto key = storage::layout::blob_key(e.name);
    if (!key) return std::unexpected(key.error());
    Result<void> put = e.path.empty() ? storage::put_text(store_, *key, e.memory) : store_.put_file(*key, e.path);
    if (!put) return fail_with_context(put.error(), "storing blob " + e.name);
    return {};
  }

  storage::Storage& store_;
  std::mutex mu_;
  std::condition_variable wake_;  // an entry was queued, or closing
  std::condition_variable room_;  // an entry was taken and stored, or failed
  std::deque<std::unique_ptr<Entry>> queue_;                // guarded by mu_
  std::uint64_t staged_bytes_ = 0;                          // guarded by mu_
  int busy_ = 0;                                            // guarded by mu_
  bool closing_ = false;                                    // guarded by mu_
  std::optional<Error> error_;                              // guarded by mu_
  std::vector<std::pair<std::string, std::int64_t>> done_;  // guarded by mu_
  std::vector<std::jthread> threads_;                       // last: joined first
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
  XXH3_freeState(std::exchange(e.hash, nullptr));
  files::Hash128 h;
  std::memcpy(h.bytes.data(), canon.digest, h.bytes.size());
  if (h.hex() != e.name)
    return fail(Errc::invalid_argument, "entry '" + e.name + "' does not match its content (the content hashes to " +
                                            h.hex() + "); upload it again");
  bytes_ += static_cast<std::int64_t>(e.size);
  ++stored_;
  if (e.known) return {};
  if (e.file && std::fclose(std::exchange(e.file, nullptr)) != 0)
    return fail(Errc::io, "cannot stage an upload in " + ctx_.tmp_dir.string() + " (is the disk full?)");
  if (!puts_) puts_ = std::make_unique<Puts>(*ctx_.storage);
  return puts_->add(std::move(owned));
}

Result<void> BlobWriter::finish() {
  if (!puts_) return {};
  auto stored = puts_->wait();
  if (!stored) return std::unexpected(stored.error());
  auto db = ctx_.db->acquire();
  if (!db) return std::unexpected(db.error());
  const std::int64_t now = ctx_.now_ms();
  return (**db).transaction([&](ledger::Db& tx) -> Result<void> {
    for (const auto& [hash, size] : *stored)
      if (auto r = ledger::put_blob(tx, hash, size, now); !r) return r;
    return {};
  });
}

}  // namespace lab::proxy
