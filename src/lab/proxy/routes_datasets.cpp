// Datasets (docs/api.md, "Datasets"): register a synced folder under a name, list the ones
// the caller may use, resolve one name. Blobs are uploaded exactly as a project's.
#include "datasets.hpp"
#include "http.hpp"
#include "manifest_store.hpp"
#include "routes.hpp"

#include <lab/config/dataset_name.hpp>
#include <lab/files/manifest.hpp>
#include <lab/storage/layout.hpp>

#include <set>

namespace lab::proxy {
namespace {

json dataset_json(const Dataset& d) {
  auto key = storage::layout::dataset_prefix(d.manifest);
  return {{"name", d.name},
          {"owner", d.owner},
          {"course_wide", d.course_wide},
          {"manifest", d.manifest},
          {"key", key ? *key : std::string()},
          {"files", d.files},
          {"bytes", d.bytes},
          {"created_at_ms", d.created_at_ms},
          {"updated_at_ms", d.updated_at_ms}};
}

void do_sync(Context& ctx, const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  auto body = read_json_body(reader, res);
  if (!body) return;
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = authenticate(ctx, **db, req, res);
  if (!user) return;
  auto name = string_field(*body, "name", res);
  if (!name) return;
  if (auto problem = config::dataset_name_problem(*name))
    return send_error(res, 400, "invalid_argument", "the dataset name " + *problem);
  auto it = body->find("manifest");
  if (it == body->end() || !it->is_object())
    return send_error(res, 400, "invalid_argument", "field 'manifest' is missing or not an object");
  auto manifest = files::manifest_from_json(it->dump());
  if (!manifest) return send_error(res, 400, "invalid_argument", "field 'manifest': " + manifest.error().message);
  if (manifest->entries.empty())
    return send_error(res, 400, "invalid_argument", "dataset \"" + *name + "\" has no files; a dataset needs at least one");
  auto missing = missing_content(ctx, **db, *manifest);
  if (!missing) return send_error(res, missing.error());
  if (refuse_missing(res, *missing, "the dataset")) return;
  const CanonicalManifest c = canonical(*manifest);
  auto prefix = storage::layout::dataset_prefix(c.hash);
  if (!prefix) return send_error(res, prefix.error());
  if (auto r = put_once(ctx, *prefix + "manifest.json", c.json); !r) return send_error(res, r.error());
  auto synced = record_dataset(**db, *user, *name, c.hash, static_cast<std::int64_t>(manifest->entries.size()),
                               static_cast<std::int64_t>(manifest->total_bytes()), ctx.now_ms());
  if (!synced) return send_error(res, synced.error());
  if (synced->previous != c.hash)
    ctx.log("dataset " + *name + " of " + user->name + " now " + c.hash + " (" +
            std::to_string(manifest->entries.size()) + " files)");
  send_json(res, synced->previous ? 200 : 201,
            {{"dataset", dataset_json(synced->dataset)},
             {"previous", synced->previous ? json(*synced->previous) : json(nullptr)}});
}

void do_list(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = authenticate(ctx, **db, req, res);
  if (!user) return;
  const bool all = req.get_param_value("all") == "1" || req.get_param_value("all") == "true";
  if (all && !user->is_admin)
    return send_error(res, 403, "permission_denied", "only admins may list every user's datasets");
  auto list = list_datasets(**db, *user, all);
  if (!list) return send_error(res, list.error());
  // A name resolves to the first row listed for it (own first, then the newest admin's);
  // the others of that name are shadowed.
  std::set<std::string> seen;
  json out = json::array();
  for (const auto& d : *list) {
    json j = dataset_json(d);
    if (!all) j["shadowed"] = !seen.insert(d.name).second;
    out.push_back(std::move(j));
  }
  send_json(res, 200, {{"datasets", std::move(out)}});
}

void do_show(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = authenticate(ctx, **db, req, res);
  if (!user) return;
  auto d = resolve_dataset(**db, *user, req.matches[1].str());
  if (!d) return send_error(res, d.error());
  send_json(res, 200, {{"dataset", dataset_json(*d)}});
}

}  // namespace

void add_dataset_routes(httplib::Server& server, Context& ctx) {
  server.Post("/api/v1/datasets",
              [&ctx](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                do_sync(ctx, req, res, reader);
              });
  server.Get("/api/v1/datasets", [&ctx](const httplib::Request& req, httplib::Response& res) { do_list(ctx, req, res); });
  server.Get("/api/v1/datasets/([A-Za-z0-9._-]+)",
             [&ctx](const httplib::Request& req, httplib::Response& res) { do_show(ctx, req, res); });
}

}  // namespace lab::proxy
