#include "manifest_store.hpp"

#include "blob_lookup.hpp"
#include "http.hpp"

#include <lab/ledger/blobs.hpp>
#include <lab/storage/layout.hpp>
#include <lab/storage/text.hpp>

namespace lab::proxy {

Result<std::vector<std::string>> missing_content(Context& ctx, ledger::Db& db, const files::Manifest& m) {
  std::vector<std::string> wanted;
  for (const auto& e : m.entries)
    if (e.kind == files::EntryKind::file) wanted.push_back(e.hash.hex());
  auto still = missing_blobs(ctx, db, wanted);
  if (!still) return still;
  if (auto r = ledger::touch_blobs(db, wanted, ctx.now_ms()); !r) return std::unexpected(r.error());
  return still;
}

bool refuse_missing(httplib::Response& res, const std::vector<std::string>& missing, std::string_view what) {
  if (missing.empty()) return false;
  send_json(res, 409,
            {{"error",
              {{"code", "conflict"},
               {"message", std::to_string(missing.size()) + " file(s) of " + std::string(what) +
                               " were not uploaded; upload the missing blobs and try again"}}},
             {"missing", missing}});
  return true;
}

CanonicalManifest canonical(const files::Manifest& m) {
  CanonicalManifest c;
  c.json = files::to_json(m);
  c.hash = files::Hash128::of(c.json).hex();
  return c;
}

Result<void> put_once(Context& ctx, const std::string& key, const std::string& text) {
  auto there = ctx.storage->exists(key);
  if (!there) return std::unexpected(there.error());
  if (*there) return {};
  return storage::put_text(*ctx.storage, key, text);
}

}  // namespace lab::proxy
