// Uploading a project (docs/api.md): which blobs are missing, the blob stream, snapshots.
#include "blob_lookup.hpp"
#include "blob_tar.hpp"
#include "blob_writer.hpp"
#include "http.hpp"
#include "manifest_store.hpp"
#include "routes.hpp"

#include <lab/files/manifest.hpp>
#include <lab/ledger/blobs.hpp>
#include <lab/storage/layout.hpp>

namespace lab::proxy {
namespace {

constexpr std::size_t kMaxHashesPerQuery = 100'000;
// How much of an unauthenticated upload is read before the connection is dropped.
constexpr std::size_t kMaxDrainBytes = 1u << 20;

void do_missing(Context& ctx, const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader& reader) {
  auto body = read_json_body(reader, res);
  if (!body) return;
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  if (!authenticate(ctx, **db, req, res)) return;
  auto it = body->find("hashes");
  if (it == body->end() || !it->is_array())
    return send_error(res, 400, "invalid_argument", "field 'hashes' is missing or not an array");
  if (it->size() > kMaxHashesPerQuery)
    return send_error(res, 400, "invalid_argument", "ask about at most 100000 hashes per call");
  std::vector<std::string> hashes;
  hashes.reserve(it->size());
  for (const auto& h : *it) {
    if (!h.is_string() || !storage::layout::validate_hash(h.get<std::string>()))
      return send_error(res, 400, "invalid_argument",
                        "'hashes' holds " + h.dump() + ", which is not a content hash (32 lower-case hex digits)");
    hashes.push_back(h.get<std::string>());
  }
  auto missing = missing_blobs(ctx, **db, hashes);
  if (!missing) return send_error(res, missing.error());
  send_json(res, 200, {{"missing", *missing}});
}

void do_blobs(Context& ctx, const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader& reader) {
  {
    auto db = ctx.db->acquire();
    if (!db) return send_error(res, db.error());
    if (!authenticate(ctx, **db, req, res)) {
      // Read (and drop) a little of the body, so a small upload gets its 401 instead of a
      // reset connection; a large one is cut off.
      std::size_t dropped = 0;
      reader([&](const char*, std::size_t n) { return (dropped += n) <= kMaxDrainBytes; });
      res.set_header("Connection", "close");
      return;
    }
  }
  BlobWriter writer(ctx);
  TarStreamParser parser(writer.sink());
  Result<void> status;
  // After a refused entry the rest of the body is still read (and dropped), so the client
  // can finish sending and read the 400 instead of seeing its connection reset.
  reader([&](const char* data, std::size_t n) {
    if (status) status = parser.feed(std::string_view(data, n));
    return true;
  });
  if (status) status = parser.finish();
  // Entries verified before a failure are still stored and indexed (they are valid content).
  auto stored = writer.finish();
  if (status) status = stored;
  if (!status) return send_error(res, status.error());
  send_json(res, 200, {{"stored", writer.stored()}, {"bytes", writer.bytes()}});
}

void do_snapshot(Context& ctx, const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& reader) {
  auto body = read_json_body(reader, res);
  if (!body) return;
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  if (!authenticate(ctx, **db, req, res)) return;
  auto it = body->find("manifest");
  if (it == body->end() || !it->is_object())
    return send_error(res, 400, "invalid_argument", "field 'manifest' is missing or not an object");
  auto manifest = files::manifest_from_json(it->dump());
  if (!manifest) return send_error(res, 400, "invalid_argument", "field 'manifest': " + manifest.error().message);
  auto missing = missing_content(ctx, **db, *manifest);
  if (!missing) return send_error(res, missing.error());
  if (refuse_missing(res, *missing, "the manifest")) return;
  const CanonicalManifest c = canonical(*manifest);
  auto key = storage::layout::manifest_key(c.hash);
  if (!key) return send_error(res, key.error());
  if (auto r = put_once(ctx, *key, c.json); !r) return send_error(res, r.error());
  send_json(res, 201,
            {{"snapshot", c.hash}, {"files", manifest->entries.size()}, {"bytes", manifest->total_bytes()}});
}

bool blob_content_type(const httplib::Request& req) {
  const std::string type = req.get_header_value("Content-Type");
  return type.starts_with("application/x-lab-blobs") || type.starts_with("application/x-tar");
}

}  // namespace

void add_upload_routes(httplib::Server& server, Context& ctx) {
  server.Post("/api/v1/blobs/missing",
              [&ctx](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                do_missing(ctx, req, res, reader);
              });
  server.Post("/api/v1/blobs",
              [&ctx](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                if (!blob_content_type(req)) {
                  res.set_header("Connection", "close");
                  return send_error(res, 400, "invalid_argument",
                                    "send blobs as a tar stream with Content-Type: application/x-lab-blobs");
                }
                do_blobs(ctx, req, res, reader);
              });
  server.Post("/api/v1/snapshots",
              [&ctx](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                do_snapshot(ctx, req, res, reader);
              });
}

}  // namespace lab::proxy
