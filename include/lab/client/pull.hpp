// Downloading a task's result files (`lab pull`). Paths are relative to the task's folder
// ("outputs/metrics.json") and land under the chosen folder; a path that would escape it
// (absolute, "..", empty parts) is refused, never written.
#pragma once

#include <lab/client/proxy_client.hpp>

#include <filesystem>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lab::client {

// Where result `path` goes under `dir`; Errc::invalid_argument when it would land outside.
Result<std::filesystem::path> result_destination(const std::filesystem::path& dir, std::string_view path);

// Whether `path` is selected by `globs` (all when empty). A glob matches like git's wildmatch
// ("outputs/*.json", "**/*.pt"); a glob naming a folder ("outputs" or "outputs/") selects
// everything below it.
bool selected(const std::vector<std::string>& globs, std::string_view path);

// Files smaller than this are downloaded over several connections at once when
// PullOptions::connect is set (each costs a round trip; their bytes are few).
inline constexpr std::uint64_t kPullSmallFileBytes = 4u << 20;
// Connections downloading small files at once (the given client among them).
inline constexpr int kPullConnections = 8;

struct PullOptions {
  std::filesystem::path dir = ".";
  std::vector<std::string> globs;
  // Told before each download starts, with the file and its destination (for small files
  // downloaded at once: from several threads, one call at a time).
  std::function<void(const ResultFile&, const std::filesystem::path&)> on_file;
  ByteProgress progress;   // bytes of the current file (large files only, when `connect` is set)
  // Opens another connection to the same proxy as the same user; unset = one file at a time.
  std::function<Result<std::unique_ptr<ProxyClient>>()> connect;
};

struct PullSummary {
  std::vector<ResultFile> pulled;
  std::vector<std::string> refused;  // one sentence per refused path
  bool complete = false;             // the task had finished and stored all its results
};

// Downloads the selected results into `options.dir` (created as needed), each into a
// temporary file renamed into place when whole. Refused paths are listed, not fatal; a
// failed download is.
Result<PullSummary> pull_results(ProxyClient& client, const std::string& id, const PullOptions& options);

}  // namespace lab::client
