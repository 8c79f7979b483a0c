// A task's results (docs/api.md): the files the remote stored under
// "results/<id>/files/", listed with size and content hash (from the remote's
// "results/<id>/files.json", or for results stored without one by listing and reading the
// objects), and downloaded with Range.
#include "http.hpp"
#include "routes.hpp"
#include "task_view.hpp"

#include <lab/files/manifest.hpp>
#include <lab/storage/key.hpp>
#include <lab/storage/layout.hpp>
#include <lab/storage/text.hpp>
#include <lab/util/parallel.hpp>

#include <xxhash.h>

#include <cstring>

namespace lab::proxy {
namespace {

// "results/<id>/files/": where the remote stores a task's result files (layout::result_file_key).
std::string files_prefix(const std::string& task_id) {
  return storage::layout::results_prefix(task_id).value_or("results/" + task_id + "/") + "files/";
}

// Result objects read at once to hash them (one GET each).
constexpr int kHashThreads = 8;

// The xxh3-128 of a stored object, from the proxy's cache of result hashes; "" when not cached.
Result<std::string> cached_hash(ledger::Db& db, const storage::ObjectInfo& o) {
  auto st = db.prepare("SELECT hash FROM proxy_result_hashes WHERE key = ? AND size = ?");
  if (!st) return std::unexpected(st.error());
  st->bind_all(o.key, static_cast<std::int64_t>(o.size));
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (*row) return st->column_text(0);
  return std::string();
}

// The xxh3-128 of a stored object, by reading it once.
Result<std::string> read_hash(storage::Storage& store, const std::string& key) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) return fail(Errc::internal, "cannot start hashing");
  auto r = store.get_stream(key, [&](std::span<const std::byte> chunk) -> Result<void> {
    XXH3_128bits_update(state.get(), chunk.data(), chunk.size());
    return {};
  });
  if (!r) return std::unexpected(r.error());
  XXH128_canonical_t canon;
  XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(state.get()));
  files::Hash128 h;
  std::memcpy(h.bytes.data(), canon.digest, h.bytes.size());
  return h.hex();
}

// One listed result file.
struct ResultFile {
  std::string path;  // relative to the task's folder
  std::uint64_t size = 0;
  std::string hash;
};

// Remembers the sizes and hashes of result files stored under `prefix` + their paths.
Result<void> remember(ledger::Db& db, const std::string& prefix, const std::vector<ResultFile>& files) {
  return db.transaction([&](ledger::Db& tx) -> Result<void> {
    auto ins = tx.prepare("INSERT OR REPLACE INTO proxy_result_hashes(key, size, hash) VALUES (?, ?, ?)");
    if (!ins) return std::unexpected(ins.error());
    for (const auto& f : files) {
      ins->reset();
      ins->bind_all(prefix + f.path, static_cast<std::int64_t>(f.size), f.hash);
      if (auto w = ins->run(); !w) return w;
    }
    return {};
  });
}

// The hashes of `objects`, from the cache or by reading the uncached ones (several at once,
// then cached).
Result<std::vector<std::string>> result_hashes(Context& ctx, ledger::Db& db, const std::vector<storage::ObjectInfo>& objects) {
  std::vector<std::string> hashes(objects.size());
  std::vector<std::size_t> unknown;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    auto h = cached_hash(db, objects[i]);
    if (!h) return std::unexpected(h.error());
    hashes[i] = std::move(*h);
    if (hashes[i].empty()) unknown.push_back(i);
  }
  auto read = util::parallel_for(unknown.size(), kHashThreads, [&](std::size_t u) -> Result<void> {
    auto h = read_hash(*ctx.storage, objects[unknown[u]].key);
    if (!h) return std::unexpected(h.error());
    hashes[unknown[u]] = std::move(*h);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  if (unknown.empty()) return hashes;
  std::vector<ResultFile> hashed;
  for (std::size_t i : unknown) hashed.push_back({objects[i].key, objects[i].size, hashes[i]});
  if (auto saved = remember(db, "", hashed); !saved) return std::unexpected(saved.error());
  return hashes;
}

// The list the remote stored with the results; nullopt when there is none (no results yet,
// or results stored before lists were kept) or it does not parse.
Result<std::optional<std::vector<ResultFile>>> stored_list(storage::Storage& store, const std::string& task_id) {
  auto key = storage::layout::result_files_key(task_id);
  if (!key) return std::unexpected(key.error());
  auto text = storage::get_text(store, *key);
  if (!text && text.error().code == Errc::not_found) return std::nullopt;
  if (!text) return std::unexpected(text.error());
  auto m = files::manifest_from_json(*text);
  if (!m) return std::nullopt;  // listed from the objects instead
  std::vector<ResultFile> out;
  for (const auto& e : m->entries)
    if (e.kind == files::EntryKind::file) out.push_back({e.path, e.size, e.hash.hex()});
  return out;
}

// The task's result files by listing the objects and hashing those not hashed before.
Result<std::vector<ResultFile>> listed_objects(Context& ctx, ledger::Db& db, const std::string& prefix) {
  std::vector<storage::ObjectInfo> objects;
  std::string token;
  do {
    auto page = ctx.storage->list(prefix, token);
    if (!page) return std::unexpected(page.error());
    objects.insert(objects.end(), page->objects.begin(), page->objects.end());
    token = page->next_token;
  } while (!token.empty());
  auto hashes = result_hashes(ctx, db, objects);
  if (!hashes) return std::unexpected(hashes.error());
  std::vector<ResultFile> out;
  for (std::size_t i = 0; i < objects.size(); ++i)
    out.push_back({objects[i].key.substr(prefix.size()), objects[i].size, (*hashes)[i]});
  return out;
}

// The size of result object `key` as remembered by `remember`; nullopt when not remembered.
Result<std::optional<std::uint64_t>> remembered_size(ledger::Db& db, const std::string& key) {
  auto st = db.prepare("SELECT size FROM proxy_result_hashes WHERE key = ?");
  if (!st) return std::unexpected(st.error());
  st->bind_all(key);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::nullopt;
  return static_cast<std::uint64_t>(st->column_int64(0));
}

void do_list(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = authenticate(ctx, **db, req, res);
  if (!user) return;
  auto task = visible_task_or_404(**db, *user, req.matches[1].str(), res);
  if (!task) return;
  const std::string prefix = files_prefix(task->id);
  const bool complete = ledger::is_terminal(task->state);
  auto stored = stored_list(*ctx.storage, task->id);
  if (!stored) return send_error(res, stored.error());
  std::vector<ResultFile> files;
  if (*stored) {
    files = std::move(**stored);
    // A finished task's list is final: its downloads take their sizes from the ledger.
    if (complete)
      if (auto r = remember(**db, prefix, files); !r) return send_error(res, r.error());
  } else {
    auto listed = listed_objects(ctx, **db, prefix);
    if (!listed) return send_error(res, listed.error());
    files = std::move(*listed);
  }
  json listed = json::array();
  for (auto& f : files) listed.push_back({{"path", std::move(f.path)}, {"size", f.size}, {"hash", std::move(f.hash)}});
  send_json(res, 200, {{"files", std::move(listed)}, {"complete", complete}});
}

// One "bytes=" range of an object of `size` bytes: [first, last], or nullopt if unsatisfiable.
// Several ranges, or a header that does not parse, select the whole object (RFC 9110 lets a
// server ignore Range).
struct Span {
  std::uint64_t first = 0, last = 0;
  bool partial = false;
};
std::optional<Span> parse_range(const std::string& header, std::uint64_t size) {
  Span whole{0, size ? size - 1 : 0, false};
  if (header.empty() || !header.starts_with("bytes=") || header.find(',') != std::string::npos) return whole;
  const std::string spec = header.substr(6);
  const auto dash = spec.find('-');
  if (dash == std::string::npos) return whole;
  auto num = [](const std::string& s, std::uint64_t& out) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 18) return false;
    out = std::stoull(s);
    return true;
  };
  std::uint64_t a = 0, b = 0;
  const std::string left = spec.substr(0, dash), right = spec.substr(dash + 1);
  if (left.empty()) {  // suffix: the last b bytes
    if (!num(right, b)) return whole;
    if (b == 0 || size == 0) return std::nullopt;
    return Span{size - std::min(b, size), size - 1, true};
  }
  if (!num(left, a)) return whole;
  if (a >= size) return std::nullopt;
  if (right.empty()) return Span{a, size - 1, true};
  if (!num(right, b) || b < a) return whole;
  return Span{a, std::min(b, size - 1), true};
}

void do_download(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string key;
  std::optional<std::uint64_t> known_size;
  {
    auto db = ctx.db->acquire();
    if (!db) return send_error(res, db.error());
    auto user = authenticate(ctx, **db, req, res);
    if (!user) return;
    auto task = visible_task_or_404(**db, *user, req.matches[1].str(), res);
    if (!task) return;
    auto k = storage::layout::result_file_key(task->id, req.matches[2].str());
    if (!k) return send_error(res, 400, "invalid_argument", "'" + req.matches[2].str() + "' is not a result path");
    key = std::move(*k);
    // A finished task's results no longer change: a size listed before saves asking storage.
    if (ledger::is_terminal(task->state)) {
      auto remembered = remembered_size(**db, key);
      if (!remembered) return send_error(res, remembered.error());
      known_size = *remembered;
    }
  }
  auto size = known_size ? Result<std::uint64_t>(*known_size) : ctx.storage->size(key);
  if (!size) {
    if (size.error().code == Errc::not_found) return send_error(res, 404, "not_found", "this task has no result file '" + req.matches[2].str() + "'");
    return send_error(res, size.error());
  }
  auto span = parse_range(req.get_header_value("Range"), *size);
  // The library would apply the Range header a second time to the provider's output.
  const_cast<httplib::Request&>(req).ranges.clear();
  if (!span) {
    res.set_header("Content-Range", "bytes */" + std::to_string(*size));
    return send_error(res, 416, "invalid_argument", "the requested range is outside the file");
  }
  const std::uint64_t length = *size == 0 ? 0 : span->last - span->first + 1;
  res.status = span->partial ? 206 : 200;
  res.set_header("Accept-Ranges", "bytes");
  if (span->partial)
    res.set_header("Content-Range", "bytes " + std::to_string(span->first) + "-" + std::to_string(span->last) + "/" +
                                        std::to_string(*size));
  if (length == 0) return res.set_content("", "application/octet-stream");
  storage::Storage* store = ctx.storage.get();
  const std::uint64_t first = span->first;
  res.set_content_provider(
      static_cast<std::size_t>(length), "application/octet-stream",
      [store, key, first](std::size_t offset, std::size_t want, httplib::DataSink& sink) {
        auto r = store->get_stream(
            key,
            [&](std::span<const std::byte> chunk) -> Result<void> {
              if (!sink.write(reinterpret_cast<const char*>(chunk.data()), chunk.size()))
                return fail(Errc::unavailable, "the client went away");
              return {};
            },
            storage::ByteRange{first + offset, want});
        return r.has_value();
      });
}

}  // namespace

void add_result_routes(httplib::Server& server, Context& ctx) {
  server.Get("/api/v1/tasks/([A-Za-z0-9._-]+)/results",
             [&ctx](const httplib::Request& req, httplib::Response& res) { do_list(ctx, req, res); });
  server.Get("/api/v1/tasks/([A-Za-z0-9._-]+)/results/(.+)",
             [&ctx](const httplib::Request& req, httplib::Response& res) { do_download(ctx, req, res); });
}

}  // namespace lab::proxy
