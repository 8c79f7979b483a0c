// Multipart upload: CreateMultipartUpload, parts in parallel, CompleteMultipartUpload, and
// AbortMultipartUpload whenever anything fails so that no half upload is left on the server.

#include "client_impl.hpp"

#include "xml.hpp"

#include <algorithm>
#include <cstring>
#include <thread>

namespace lab::s3 {
namespace {

constexpr std::uint64_t kMaxParts = 10'000;  // S3's limit

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

Result<void> multipart_upload(Client::Impl& impl, std::string_view key, std::optional<std::uint64_t> size,
                              const PartReader& read) {
  const std::string path = impl.object_path(key);
  const std::string what = "writing '" + std::string(key) + "'";
  // Parts grow (in whole MiB) when the object would need more than S3's 10,000.
  std::uint64_t part_size = impl.tuning.part_size;
  if (size && (*size + part_size - 1) / part_size > kMaxParts) {
    part_size = (*size + kMaxParts - 1) / kMaxParts;
    part_size = (part_size + (1 << 20) - 1) / (1 << 20) * (1 << 20);
  }

  // Create is not retried: a lost answer would leave an upload nobody knows to abort.
  HttpRequest create("POST", path);
  create.query = {{"uploads", ""}};
  create.what = what + " (starting a multipart upload)";
  auto created = impl.call_ok(create);
  if (!created) return std::unexpected(created.error());
  auto doc = parse_xml(created->body);
  if (!doc || doc->child_text("UploadId").empty())
    return fail(Errc::corrupt, "the storage at " + impl.opts.endpoint + " started a multipart upload for '" +
                                   std::string(key) + "' without an upload id");
  const std::string upload_id = doc->child_text("UploadId");

  auto abort = [&] {
    HttpRequest a("DELETE", path);
    a.query = {{"uploadId", upload_id}};
    a.retryable = true;
    a.what = what + " (aborting the multipart upload)";
    (void)impl.call(a);
  };

  std::mutex mu;
  std::uint64_t next = 0;              // guarded by mu: the next part to read
  std::uint64_t total = 0;             // guarded by mu: bytes read so far
  bool ended = false;                  // guarded by mu: the reader came up short
  std::optional<Error> first_error;    // guarded by mu
  std::vector<std::string> etags;      // guarded by mu; slot i = part i + 1

  auto worker = [&] {
    std::vector<char> buf;
    for (;;) {
      std::uint64_t index, n;
      {
        std::lock_guard lock(mu);
        if (first_error || ended) return;
        if (next >= kMaxParts) {
          first_error = Error{Errc::invalid_argument, "'" + std::string(key) + "' is larger than S3's 10,000 parts of " +
                                                          std::to_string(part_size >> 20) + " MiB"};
          return;
        }
        buf.resize(static_cast<std::size_t>(part_size));
        auto got = read(buf.data(), buf.size());
        if (!got) {
          first_error = got.error();
          return;
        }
        n = *got;
        if (n < part_size) ended = true;
        if (n == 0 && next > 0) return;  // the previous part was the last
        index = next++;
        total += n;
        etags.emplace_back();
      }
      HttpRequest part("PUT", path);
      part.query = {{"partNumber", std::to_string(index + 1)}, {"uploadId", upload_id}};
      part.payload_hash = sha256_hex({buf.data(), static_cast<std::size_t>(n)});
      part.body_size = n;
      if (n > 0)
        part.read_body = [&buf](std::uint64_t off, char* out, std::size_t len) {
          std::memcpy(out, buf.data() + off, len);
          return true;
        };
      part.retryable = true;
      part.what = what + " (part " + std::to_string(index + 1) + ")";
      auto res = impl.call_ok(part);
      std::lock_guard lock(mu);
      if (!res) {
        if (!first_error) first_error = res.error();
        return;
      }
      etags[index] = res->header("etag");
    }
  };
  {
    std::vector<std::jthread> threads;
    int n = impl.tuning.parallel_parts;
    if (size) n = static_cast<int>(std::clamp<std::uint64_t>((*size + part_size - 1) / part_size, 1, n));
    for (int i = 0; i < n; ++i) threads.emplace_back(worker);
  }
  if (!first_error && size && total != *size)
    first_error = Error{Errc::io, "the data for '" + std::string(key) + "' was " + std::to_string(total) +
                                      " bytes, not the " + std::to_string(*size) + " announced"};
  if (first_error) {
    abort();
    return std::unexpected(*first_error);
  }
  const std::uint64_t parts = etags.size();

  std::string body = "<CompleteMultipartUpload>";
  for (std::uint64_t i = 0; i < parts; ++i)
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + xml_escape(etags[i]) +
            "</ETag></Part>";
  body += "</CompleteMultipartUpload>";
  // Complete is not retried either (see docs/s3.md); on failure the upload is aborted.
  HttpRequest complete("POST", path);
  complete.query = {{"uploadId", upload_id}};
  complete.payload_hash = sha256_hex(body);
  complete.body = std::move(body);
  complete.what = what + " (completing the multipart upload)";
  auto done = impl.call_ok(complete);
  if (!done) {
    abort();
    return std::unexpected(done.error());
  }
  // S3 may answer 200 and still report an error in the body.
  auto result = parse_xml(done->body);
  if (result && result->name == "Error") {
    abort();
    return std::unexpected(map_s3_error(500, done->body, "", 0, impl.context(complete.what)));
  }
  return {};
}

}  // namespace lab::s3
