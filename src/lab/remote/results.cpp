#include "results.hpp"

#include <lab/archive/archive.hpp>
#include <lab/files/manifest.hpp>
#include <lab/storage/layout.hpp>
#include <lab/storage/text.hpp>
#include <lab/util/parallel.hpp>

#include <algorithm>

namespace lab::remote {
namespace fs = std::filesystem;

namespace {

// Result files stored at once (one PUT each with S3 storage: thousands of small files would
// otherwise be that many round trips one after another).
constexpr int kStoreThreads = 8;

// "results/<id>/files/": where `result_file_key` puts every file of the task.
Result<std::string> files_prefix(std::string_view task_id) {
  auto p = storage::layout::results_prefix(task_id);
  if (!p) return p;
  return *p + "files/";
}

}  // namespace

Result<std::vector<std::string>> store_results(storage::Storage& storage, std::string_view task_id,
                                               const fs::path& archive, const fs::path& scratch) {
  std::error_code ec;
  fs::remove_all(scratch, ec);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
    }
  } cleanup{scratch};
  if (auto r = archive::unpack(archive, scratch); !r) return fail_with_context(r.error(), "the results archive");
  // The list goes first and comes back last: a reader never takes an older list for this one.
  auto list_key = storage::layout::result_files_key(task_id);
  if (!list_key) return std::unexpected(list_key.error());
  if (auto r = storage.remove(*list_key); !r) return std::unexpected(r.error());
  const auto old = list_results(storage, task_id);
  auto removed = util::parallel_for(old.size(), kStoreThreads, [&](std::size_t i) { return storage.remove(old[i]); });
  if (!removed) return std::unexpected(removed.error());
  std::vector<std::pair<std::string, fs::path>> files;  // key, unpacked file
  files::Manifest list;
  for (auto it = fs::recursive_directory_iterator(scratch, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;  // links and folders carry no bytes
    const std::string rel = fs::relative(it->path(), scratch).generic_string();
    auto key = storage::layout::result_file_key(task_id, rel);
    if (!key) return fail_with_context(key.error(), "result file '" + rel + "'");
    files.emplace_back(std::move(*key), it->path());
    files::Entry e;
    e.path = rel;
    std::error_code perm_ec;
    e.executable = (it->status(perm_ec).permissions() & fs::perms::owner_exec) != fs::perms::none;
    list.entries.push_back(std::move(e));
  }
  if (ec) return fail(Errc::io, "cannot read the unpacked results in " + scratch.string() + ": " + ec.message());
  auto stored = util::parallel_for(files.size(), kStoreThreads, [&](std::size_t i) -> Result<void> {
    auto h = files::Hash128::of_file(files[i].second, &list.entries[i].size);
    if (!h) return std::unexpected(h.error());
    list.entries[i].hash = *h;
    return storage.put_file(files[i].first, files[i].second);
  });
  if (!stored) return std::unexpected(stored.error());
  std::sort(list.entries.begin(), list.entries.end(),
            [](const files::Entry& a, const files::Entry& b) { return a.path < b.path; });
  if (auto r = storage::put_text(storage, *list_key, files::to_json(list)); !r) return std::unexpected(r.error());
  std::vector<std::string> keys;
  for (auto& f : files) keys.push_back(std::move(f.first));
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::vector<std::string> list_results(storage::Storage& storage, std::string_view task_id) {
  std::vector<std::string> keys;
  auto prefix = files_prefix(task_id);
  if (!prefix) return keys;
  std::string token;
  do {
    auto page = storage.list(*prefix, token);
    if (!page) return keys;
    for (const auto& o : page->objects) keys.push_back(o.key);
    token = page->next_token;
  } while (!token.empty());
  return keys;
}

}  // namespace lab::remote
