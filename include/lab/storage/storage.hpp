// Object storage behind one interface (a local folder, or an S3 bucket). The contract a backend
// must meet is written down in docs/storage.md; tests/unit/storage/storage_contract.hpp
// checks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <lab/result.hpp>
#include <lab/s3/client.hpp>
#include <lab/s3/options.hpp>

namespace lab::storage {

// Fills up to `buf.size()` bytes and returns how many; 0 means the end of the data.
using ReadFn = std::function<Result<std::size_t>(std::span<std::byte>)>;

// Receives the next chunk of an object; an error stops the transfer and is returned as is.
using WriteFn = std::function<Result<void>(std::span<const std::byte>)>;

// Bytes [offset, offset + length) of an object, clipped to its end; no length = to the end.
// An offset at or past the end selects nothing (zero bytes, not an error).
struct ByteRange {
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> length;
};

// One listed object.
struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
};

// One page of a listing; `next_token` is empty on the last page.
struct ListPage {
  std::vector<ObjectInfo> objects;
  std::string next_token;
};

// Most objects one `list` call returns.
inline constexpr std::size_t kMaxListPage = 1000;

// A store of immutable-while-read objects named by keys (see key.hpp for the key rules).
// Every method is safe to call from many threads at once. Errc::not_found always means "no
// object with this key in a store that is otherwise working"; a store that cannot be reached
// or read answers Errc::io (local) or unavailable/timeout (remote) instead. A key that breaks
// the key rules answers Errc::invalid_argument before the backend is touched.
class Storage {
 public:
  virtual ~Storage() = default;

  // Stores the file at `path` under `key`, replacing any object there. Readers see the old
  // object or the new one whole, never a part; on failure no new object is visible.
  virtual Result<void> put_file(std::string_view key, const std::filesystem::path& path) = 0;

  // Stores what `read` yields under `key`, as `put_file`. If `size` is given and `read`
  // yields a different number of bytes, nothing is stored (Errc::invalid_argument).
  virtual Result<void> put_stream(std::string_view key, const ReadFn& read,
                                  std::optional<std::uint64_t> size = std::nullopt) = 0;

  // Writes the object (or `range` of it) to `path`, replacing the file there only once the
  // whole download succeeded.
  virtual Result<void> get_file(std::string_view key, const std::filesystem::path& path,
                                std::optional<ByteRange> range = std::nullopt) = 0;

  // Passes the object (or `range` of it) to `write` in chunks, in order. On not_found,
  // `write` is never called; if it fails midway, its error is returned.
  virtual Result<void> get_stream(std::string_view key, const WriteFn& write,
                                  std::optional<ByteRange> range = std::nullopt) = 0;

  // Whether an object with this key exists (a key that is only a prefix does not).
  virtual Result<bool> exists(std::string_view key) = 0;

  // The object's size in bytes; Errc::not_found if there is none.
  virtual Result<std::uint64_t> size(std::string_view key) = 0;

  // Objects whose key starts with `prefix` (plain string prefix, "" = all), sorted by key
  // bytes, at most `max_keys` (1..kMaxListPage; 0 = kMaxListPage), continuing after the page
  // that returned `page_token` ("" = first page). Tokens are opaque and stay valid while
  // objects are added or removed.
  virtual Result<ListPage> list(std::string_view prefix, std::string_view page_token = {},
                                std::size_t max_keys = 0) = 0;

  // Removes the object. Removing a key that does not exist succeeds (idempotent).
  virtual Result<void> remove(std::string_view key) = 0;
};

// What a storage backend to open; only the fields of the chosen type are read.
struct StorageOptions {
  std::string type = "local";  // "local" or "s3"
  std::filesystem::path root;  // local: the folder holding the objects (created if missing)
  s3::S3Options s3;            // s3: where the bucket is, credentials already filled
  s3::Tuning s3_tuning;        // s3: part sizes, parallelism, retries (defaults suit real stores)
};

// Opens the backend `options.type` names. Errc::invalid_argument for an unknown type (with
// the known ones) or bad options; the backend's own error otherwise.
Result<std::unique_ptr<Storage>> make_storage(const StorageOptions& options);

// One line for logs naming the backend and where it keeps data; secrets appear only as
// "<redacted>".
std::string describe(const StorageOptions& options);

// Names of the storage types `make_storage` knows, built or not.
std::vector<std::string> storage_types();

}  // namespace lab::storage
