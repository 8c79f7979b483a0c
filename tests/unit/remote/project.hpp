// Puts a project folder into storage the way the proxy leaves it: each file's blob at
// layout::blob_key, the manifest JSON at layout::manifest_key.
#pragma once

#include <lab/files/manifest.hpp>
#include <lab/files/scan.hpp>
#include <lab/storage/layout.hpp>
#include <lab/storage/storage.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace lab::remote::testing {

inline void put_text(const std::filesystem::path& p, const std::string& text,
                     std::filesystem::perms mode = std::filesystem::perms(0644)) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  std::filesystem::permissions(p, mode);
}

// Uploads `folder`; returns the manifest key. `skip_blob`: a path whose blob is left out.
inline std::string upload_project(storage::Storage& st, const std::filesystem::path& folder,
                                  const std::string& skip_blob = "") {
  files::ScanOptions o;
  o.use_stat_cache = false;
  o.git_excludes = false;
  auto m = files::scan(folder, o);
  REQUIRE_MESSAGE(m, (m ? std::string() : m.error().message));
  for (const auto& e : m->entries) {
    if (e.kind != files::EntryKind::file || e.path == skip_blob) continue;
    REQUIRE(st.put_file(storage::layout::blob_key(e.hash.hex()).value(), folder / e.path));
  }
  const std::string json = files::to_json(*m);
  const std::string key = storage::layout::manifest_key(files::Hash128::of(json).hex()).value();
  const auto tmp = folder.parent_path() / (folder.filename().string() + ".manifest.json");
  put_text(tmp, json);
  REQUIRE(st.put_file(key, tmp));
  return key;
}

// Puts `folder` into storage as a dataset (the way `lab data sync` leaves it): blobs at the
// project blob keys, the manifest at datasets/<manifest hash>/manifest.json. Returns the hash.
inline std::string upload_dataset(storage::Storage& st, const std::filesystem::path& folder,
                                  const std::string& skip_blob = "") {
  const std::string hash = std::filesystem::path(upload_project(st, folder, skip_blob)).stem().string();
  const auto local_manifest = folder.parent_path() / (folder.filename().string() + ".manifest.json");
  REQUIRE(st.put_file(storage::layout::dataset_prefix(hash).value() + "manifest.json", local_manifest));
  return hash;
}

}  // namespace lab::remote::testing
