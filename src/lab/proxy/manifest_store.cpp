#include "manifest_store.hpp"

#include "storage_util.hpp"

#include <lab/ledger/blobs.hpp>
#include <lab/storage/layout.hpp>

namespace lab::proxy {

Result<std::vector<std::string>> missing_content(Context& ctx, ledger::Db& db, const files::Manifest& m) {
  std::vector<std::string> wanted;
  for (const auto& e : m.entries)
    if (e.kind == files::EntryKind::file) wanted.push_back(e.hash.hex());
  auto missing = ledger::missing_blobs(db, wanted);
  if (!missing) return missing;
  std::vector<std::string> still;
  for (const auto& h : *missing) {
    auto key = storage::layout::blob_key(h);
    if (!key) return std::unexpected(key.error());
    auto size = ctx.storage->size(*key);
    if (size) {
      if (auto r = ledger::put_blob(db, h, static_cast<std::int64_t>(*size), ctx.now_ms()); !r)
        return std::unexpected(r.error());
    } else if (size.error().code == Errc::not_found) {
      still.push_back(h);
    } else {
      return std::unexpected(size.error());
    }
  }
  if (auto r = ledger::touch_blobs(db, wanted, ctx.now_ms()); !r) return std::unexpected(r.error());
  return still;
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
  return put_text(*ctx.storage, key, text);
}

}  // namespace lab::proxy
