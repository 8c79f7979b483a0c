// Sending a project to the proxy: ask which blobs are missing, stream only those (many per
// request, as a chunked tar), then record the snapshot (docs/api.md "Uploading a project").
#pragma once

#include <lab/client/project.hpp>
#include <lab/client/proxy_client.hpp>

#include <cstdint>
#include <vector>

namespace lab::client {

// Requests are cut at whichever comes first.
inline constexpr std::uint64_t kMaxRequestBytes = 256ull << 20;
inline constexpr std::size_t kMaxRequestBlobs = 5000;
// At most this many hashes per /blobs/missing call (the API's limit).
inline constexpr std::size_t kMaxMissingQuery = 100000;

// What the upload will do, known before any content is sent. Counts are manifest entries:
// an entry is "uploaded" when its content is missing on the proxy, else "stored".
struct UploadPlan {
  std::vector<BlobSource> missing;  // the blobs to send
  std::uint64_t uploaded_files = 0;
  std::uint64_t uploaded_bytes = 0;
  std::uint64_t stored_files = 0;
  std::uint64_t stored_bytes = 0;
  std::uint64_t send_bytes = 0;     // sum of `missing` sizes (content crossing the network)
};

// Asks the proxy which of the project's blobs it lacks.
Result<UploadPlan> plan_upload(ProxyClient& client, const ProjectFiles& project);

// Sends `plan.missing` in requests cut at the limits above. Each blob is stored by the proxy
// as soon as it has arrived whole, so after an interruption a new plan lacks those.
// `progress` gets the content bytes sent so far (tar headers not counted).
Result<void> send_blobs(ProxyClient& client, const UploadPlan& plan, const ByteProgress& progress = {});

// send_blobs, then records the snapshot.
// `progress` gets the content bytes sent so far (tar headers not counted).
Result<Snapshot> send_project(ProxyClient& client, const ProjectFiles& project, const UploadPlan& plan,
                              const ByteProgress& progress = {});

}  // namespace lab::client
