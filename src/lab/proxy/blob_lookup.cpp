#include "blob_lookup.hpp"

#include <lab/ledger/blobs.hpp>
#include <lab/storage/layout.hpp>

#include <lab/util/parallel.hpp>

#include <algorithm>
#include <map>
#include <mutex>

namespace lab::proxy {
namespace {

struct Found {
  std::string hash;
  std::uint64_t size = 0;
};

// The hashes of one blob folder, answered with a listing of the folder or a HEAD per hash.
Result<std::vector<Found>> look_in_folder(storage::Storage& store, const std::string& folder,
                                          const std::vector<std::string>& hashes) {
  std::vector<Found> found;
  if (hashes.size() < kListBlobFolderFrom) {
    for (const auto& h : hashes) {
      auto key = storage::layout::blob_key(h);
      if (!key) return std::unexpected(key.error());
      auto size = store.size(*key);
      if (size) found.push_back({h, *size});
      else if (size.error().code != Errc::not_found) return std::unexpected(size.error());
    }
    return found;
  }
  std::vector<std::string> sorted = hashes;
  std::sort(sorted.begin(), sorted.end());
  std::string token;
  do {
    auto page = store.list(folder, token);
    if (!page) return std::unexpected(page.error());
    for (const auto& o : page->objects) {
      std::string_view name = std::string_view(o.key).substr(folder.size());
      if (std::binary_search(sorted.begin(), sorted.end(), name)) found.push_back({std::string(name), o.size});
    }
    token = page->next_token;
  } while (!token.empty());
  return found;
}

}  // namespace

Result<std::vector<std::string>> missing_blobs(Context& ctx, ledger::Db& db, std::span<const std::string> hashes) {
  auto unknown = ledger::missing_blobs(db, hashes);
  if (!unknown || unknown->empty()) return unknown;

  // Blob folder ("projects/blobs/ab/") -> the unknown hashes in it.
  std::map<std::string, std::vector<std::string>> folders;
  for (const auto& h : *unknown) {
    auto key = storage::layout::blob_key(h);
    if (!key) return std::unexpected(key.error());
    folders[key->substr(0, key->size() - h.size())].push_back(h);
  }
  std::vector<const std::pair<const std::string, std::vector<std::string>>*> work;
  for (const auto& f : folders) work.push_back(&f);

  std::mutex mu;
  std::vector<Found> found;  // guarded by mu
  auto looked = util::parallel_for(work.size(), kLookupThreads, [&](std::size_t i) -> Result<void> {
    auto r = look_in_folder(*ctx.storage, work[i]->first, work[i]->second);
    if (!r) return std::unexpected(r.error());
    std::lock_guard lock(mu);
    found.insert(found.end(), r->begin(), r->end());
    return {};
  });
  if (!looked) return std::unexpected(looked.error());
  if (found.empty()) return unknown;

  const std::int64_t now = ctx.now_ms();
  auto recorded = db.transaction([&](ledger::Db& tx) -> Result<void> {
    for (const auto& f : found)
      if (auto r = ledger::put_blob(tx, f.hash, static_cast<std::int64_t>(f.size), now); !r) return r;
    return {};
  });
  if (!recorded) return std::unexpected(recorded.error());
  std::vector<std::string> sorted_found;
  for (const auto& f : found) sorted_found.push_back(f.hash);
  std::sort(sorted_found.begin(), sorted_found.end());
  std::vector<std::string> still;
  for (auto& h : *unknown)
    if (!std::binary_search(sorted_found.begin(), sorted_found.end(), h)) still.push_back(std::move(h));
  return still;
}

}  // namespace lab::proxy
