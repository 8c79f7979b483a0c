// What project snapshots and datasets share on the proxy: checking that every file of a
// manifest has its blob stored, and storing the canonical manifest once under its hash.
// Private to lab::proxy.
#pragma once

#include "context.hpp"

#include <lab/files/manifest.hpp>
#include <lab/ledger/db.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace httplib {
struct Response;
}

namespace lab::proxy {

// The hashes of `m`'s file entries that no blob is stored for: the blob index first, then
// storage (a blob found there is added to the index). Touches every listed blob's
// last-used time. Storage failures are errors, never "missing".
Result<std::vector<std::string>> missing_content(Context& ctx, ledger::Db& db, const files::Manifest& m);

// When `missing` (from missing_content) is not empty, answers 409 with the error body of
// docs/api.md saying how many files of `what` ("the manifest", "the dataset") were not
// uploaded, plus {"missing": [hashes]}, and returns true.
bool refuse_missing(httplib::Response& res, const std::vector<std::string>& missing, std::string_view what);

// A manifest in its canonical JSON and the hash that names it (the snapshot id).
struct CanonicalManifest {
  std::string json;
  std::string hash;
};
CanonicalManifest canonical(const files::Manifest& m);

// Stores `text` under `key` unless an object is already there (manifests are immutable:
// same key, same bytes).
Result<void> put_once(Context& ctx, const std::string& key, const std::string& text);

}  // namespace lab::proxy
