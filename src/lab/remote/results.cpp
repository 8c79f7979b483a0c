#include "results.hpp"

#include <lab/archive/archive.hpp>
#include <lab/storage/layout.hpp>

#include <algorithm>

namespace lab::remote {
namespace fs = std::filesystem;

namespace {

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
  for (const auto& old : list_results(storage, task_id))
    if (auto r = storage.remove(old); !r) return std::unexpected(r.error());
  std::vector<std::string> keys;
  for (auto it = fs::recursive_directory_iterator(scratch, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;  // links and folders carry no bytes
    const std::string rel = fs::relative(it->path(), scratch).generic_string();
    auto key = storage::layout::result_file_key(task_id, rel);
    if (!key) return fail_with_context(key.error(), "result file '" + rel + "'");
    if (auto r = storage.put_file(*key, it->path()); !r) return std::unexpected(r.error());
    keys.push_back(*key);
  }
  if (ec) return fail(Errc::io, "cannot read the unpacked results in " + scratch.string() + ": " + ec.message());
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
