// The student CLI's only way to the proxy: one method per call of docs/api.md. Failures are
// plain sentences ready to print: an unreachable proxy names its URL and says what to check,
// a 401 says to log in, and the proxy's own error messages are passed on as given.
#pragma once

#include <lab/client/types.hpp>
#include <lab/files/manifest.hpp>
#include <lab/result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lab::client {

inline constexpr std::chrono::seconds kConnectTimeout{5};
inline constexpr std::chrono::seconds kReadTimeout{60};
inline constexpr std::chrono::seconds kWriteTimeout{60};
// Extra read time granted on top of a log long-poll's `wait`.
inline constexpr std::chrono::seconds kLongPollSlack{15};

// One blob to upload: its hash and where its bytes are (a file, or `data` for a symlink's
// target).
struct BlobSource {
  std::string hash;
  std::uint64_t size = 0;
  std::filesystem::path file;       // read when `data` is unset
  std::optional<std::string> data;
};

// What one blob upload request stored.
struct BlobsStored {
  std::uint64_t stored = 0;
  std::uint64_t bytes = 0;
};

// Called with the bytes sent or received so far by an upload or download.
using ByteProgress = std::function<void(std::uint64_t bytes)>;

// A connection to one proxy. NOT thread-safe: one thread per client.
class ProxyClient {
 public:
  // Fails (invalid_argument) when `url` is not http(s)://host[:port]. `token` may be empty
  // (register, login, health).
  static Result<std::unique_ptr<ProxyClient>> create(const std::string& url, const std::string& token);
  ~ProxyClient();

  const std::string& url() const;

  // --- accounts ---
  Result<Session> register_user(const std::string& name, const std::string& password, const std::string& invite_code);
  Result<Session> login(const std::string& name, const std::string& password);
  Result<Session> whoami();
  Result<void> logout();

  // --- uploads ---
  // The hashes among `hashes` the proxy's storage lacks.
  Result<std::vector<std::string>> missing_blobs(const std::vector<std::string>& hashes);
  // Sends `blobs` in one chunked tar request (docs/api.md "Uploading a project").
  Result<BlobsStored> upload_blobs(std::span<const BlobSource> blobs, const ByteProgress& progress = {});
  Result<Snapshot> create_snapshot(const files::Manifest& manifest);

  // --- datasets ---
  // Points the caller's dataset `name` at `manifest`, whose blobs must be uploaded already.
  Result<DatasetSynced> sync_dataset(const std::string& name, const files::Manifest& manifest);
  // The caller's datasets and the course-wide ones; `all` (admins) everyone's.
  Result<std::vector<Dataset>> list_datasets(bool all);
  // The dataset `name` resolves to for the caller (Errc::not_found when none may be used).
  Result<Dataset> get_dataset(const std::string& name);

  // --- tasks ---
  Result<Task> create_task(const nlohmann::json& spec, const std::string& snapshot);
  Result<TaskPage> list_tasks(int limit, bool all, const std::string& before = "");
  Result<Task> get_task(const std::string& id);
  Result<Task> cancel_task(const std::string& id);
  // The log from `from`; waits up to `wait` for bytes when there are none yet. A dropped
  // connection is Errc::unavailable or Errc::timeout and delivers nothing: ask again at `from`.
  Result<LogChunk> logs(const std::string& id, std::uint64_t from, std::chrono::seconds wait);
  // The task's metrics lines (docs/metrics.md) from byte `from`, like `logs`.
  Result<LogChunk> metrics(const std::string& id, std::uint64_t from, std::chrono::seconds wait);
  Result<ResultList> results(const std::string& id);
  // Streams one result file into `dest` (created or truncated). On failure `dest` may hold
  // part of the file; the caller removes it.
  Result<void> download_result(const std::string& id, const std::string& path, const std::filesystem::path& dest,
                               const ByteProgress& progress = {});

  struct Impl;

 private:
  // GET /tasks/{id}/{what}?from=&wait= for a byte stream with offsets ("logs", "metrics").
  Result<LogChunk> stream_piece(const std::string& id, const char* what, std::uint64_t from, std::chrono::seconds wait);
  explicit ProxyClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lab::client
