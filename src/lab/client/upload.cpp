#include <lab/client/upload.hpp>

#include <algorithm>
#include <set>

namespace lab::client {

Result<UploadPlan> plan_upload(ProxyClient& client, const ProjectFiles& project) {
  std::set<std::string> missing;
  for (std::size_t i = 0; i < project.blobs.size(); i += kMaxMissingQuery) {
    std::vector<std::string> hashes;
    for (std::size_t j = i; j < std::min(project.blobs.size(), i + kMaxMissingQuery); ++j) hashes.push_back(project.blobs[j].hash);
    auto r = client.missing_blobs(hashes);
    if (!r) return std::unexpected(r.error());
    missing.insert(r->begin(), r->end());
  }
  UploadPlan plan;
  for (const auto& b : project.blobs)
    if (missing.contains(b.hash)) {
      plan.missing.push_back(b);
      plan.send_bytes += b.size;
    }
  for (const auto& e : project.manifest.entries) {
    if (missing.contains(e.hash.hex())) ++plan.uploaded_files, plan.uploaded_bytes += e.size;
    else ++plan.stored_files, plan.stored_bytes += e.size;
  }
  return plan;
}

Result<void> send_blobs(ProxyClient& client, const UploadPlan& plan, const ByteProgress& progress) {
  std::uint64_t done = 0;
  std::size_t start = 0;
  while (start < plan.missing.size()) {
    std::size_t end = start;
    std::uint64_t bytes = 0;
    while (end < plan.missing.size() && end - start < kMaxRequestBlobs && (end == start || bytes + plan.missing[end].size <= kMaxRequestBytes))
      bytes += plan.missing[end++].size;
    std::span<const BlobSource> batch(plan.missing.data() + start, end - start);
    // The tar stream counts headers and padding; report content bytes, capped per batch.
    const std::uint64_t before = done;
    auto r = client.upload_blobs(batch, [&](std::uint64_t sent) {
      if (progress) progress(before + std::min(sent, bytes));
    });
    if (!r) return std::unexpected(r.error());
    done += bytes;
    if (progress) progress(done);
    start = end;
  }
  return {};
}

Result<Snapshot> send_project(ProxyClient& client, const ProjectFiles& project, const UploadPlan& plan, const ByteProgress& progress) {
  if (auto r = send_blobs(client, plan, progress); !r) return std::unexpected(r.error());
  return client.create_snapshot(project.manifest);
}

}  // namespace lab::client
