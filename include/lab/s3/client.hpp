// An S3 client for one bucket: whole-object and multipart PUT, streaming GET with byte
// ranges, HEAD, DELETE and ListObjectsV2, signed with SigV4, retried with backoff where that
// is safe. The S3 storage backend wraps it; docs/s3.md is the contract.
#pragma once

#include <lab/result.hpp>
#include <lab/s3/options.hpp>
#include <lab/sys/clock.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::s3 {

// Network time limits (named so a hang is always bounded and reviewable).
inline constexpr int kConnectTimeoutMs = 5'000;  // TCP (+TLS) connect
inline constexpr int kIoTimeoutMs = 60'000;      // one read or write making no progress

// Sizes, parallelism and retry policy. Defaults suit AWS and Swift; tests shrink them.
struct Tuning {
  std::uint64_t multipart_threshold = 64ull << 20;  // files above this go multipart
  std::uint64_t part_size = 8ull << 20;             // >= 5 MiB (S3's minimum but for the last part)
  int parallel_parts = 4;                           // upload threads; memory = this x part_size
  int max_attempts = 4;                             // per request, for retryable requests
  int backoff_base_ms = 200;                        // first retry waits up to this (full jitter)
  int backoff_cap_ms = 5'000;                       // no single wait is longer
  int connect_timeout_ms = kConnectTimeoutMs;
  int io_timeout_ms = kIoTimeoutMs;
};

// What HEAD and listings tell about an object. `key` is relative to S3Options::prefix.
struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;           // as the server sent it, quotes included
  std::string last_modified;  // as the server sent it
};

// One page of a listing; `next_token` is empty on the last page.
struct ListPage {
  std::vector<ObjectInfo> objects;
  std::string next_token;
};

// Bytes [offset, offset+length) of an object; no length = to the end.
struct ByteRange {
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> length;
};

// Receives a downloaded body in order, in pieces; returning false stops the download
// (the call then fails with Errc::io).
using Sink = std::function<bool(const char* data, std::size_t size)>;

// Supplies an upload's bytes in order: fills `buf` with up to `n` bytes and returns how many.
// Fewer than `n` means the body ended; an error stops the upload and is returned as is.
using PartReader = std::function<Result<std::size_t>(char* buf, std::size_t n)>;

// Thread-safe: any number of threads may call any method at once (connections come from an
// internal pool). Every failure is a lab::Error whose message names the endpoint, bucket or
// key and never contains the secret key. Keys are arbitrary UTF-8 byte strings; the client
// prepends S3Options::prefix.
class Client {
 public:
  // Validates `opts` (credentials must already be filled, see S3Options::apply_env_fallback).
  // `clock` signs requests and paces retries; it must outlive the client (default: real clock).
  static Result<std::unique_ptr<Client>> create(S3Options opts, Tuning tuning = {},
                                                sys::Clock* clock = nullptr);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Uploads `file` as `key`, replacing any object there. Up to Tuning::multipart_threshold: one
  // PUT whose SHA-256 is computed in a first pass over the file; above: multipart upload with
  // parts sent in parallel, aborted on failure so no upload is left behind.
  Result<void> put_file(std::string_view key, const std::filesystem::path& file);

  // Uploads exactly `size` bytes read from `in`. Up to one part (Tuning::part_size) the
  // bytes are buffered and sent in one PUT; larger streams go multipart. Errc::io if `in`
  // ends early.
  Result<void> put_stream(std::string_view key, std::istream& in, std::uint64_t size);

  // Uploads what `read` yields, its length known (`size`) or not (nullopt). Bodies that end
  // within one part (Tuning::part_size) are buffered and sent in one PUT; longer ones go
  // multipart (at most 10,000 parts: 78 GiB at the default part size when the size is not
  // known). A known `size` that `read` does not match fails with Errc::io, storing nothing.
  Result<void> put_reader(std::string_view key, const PartReader& read, std::optional<std::uint64_t> size);

  // Streams `key` (or `range` of it) into `sink`; returns the number of bytes delivered.
  // A broken connection is resumed where it stopped (same ETag enforced with If-Match).
  // Errc::not_found if there is no such key.
  Result<std::uint64_t> get(std::string_view key, const Sink& sink,
                            std::optional<ByteRange> range = std::nullopt);

  // Like get(), into `file` (created or truncated). On failure the file is removed.
  Result<std::uint64_t> get_to_file(std::string_view key, const std::filesystem::path& file,
                                    std::optional<ByteRange> range = std::nullopt);

  // Size and ETag of `key`; Errc::not_found if there is none (a missing bucket is a
  // different error, Errc::unavailable).
  Result<ObjectInfo> head(std::string_view key);

  // Deletes `key`; succeeds if it was not there (S3's answer too).
  Result<void> remove(std::string_view key);

  // One ListObjectsV2 page of keys starting with `prefix`, from `token` ("" = first page),
  // or, when `start_after` is given, of the keys sorting after it (token ignored).
  Result<ListPage> list_page(std::string_view prefix, std::string_view token = {}, int max_keys = 1000,
                             std::string_view start_after = {});

  // Every key starting with `prefix`, following continuation tokens.
  Result<std::vector<ObjectInfo>> list(std::string_view prefix);

  // A presigned GET URL for `key`, valid `expires_s` seconds, usable without credentials.
  std::string presigned_get_url(std::string_view key, std::int64_t expires_s);

  // The options as given, for logs: S3Options::redacted().
  std::string describe() const;

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lab::s3
