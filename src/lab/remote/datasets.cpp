#include "datasets.hpp"

#include <lab/util/strings.hpp>

namespace lab::remote {
namespace fs = std::filesystem;

fs::path datasets_dir(const config::RemoteConfig& config) {
  if (!config.paths.datasets_dir.empty()) return config.paths.datasets_dir;
  return fs::path(config.paths.cache_dir) / "datasets";
}

Result<std::vector<datasets::Use>> task_datasets(const nlohmann::json& spec, const std::vector<std::string>& keys) {
  return datasets::uses_from_submit(datasets::names_in_spec(spec), keys);
}

namespace {

// "preparing: fetching dataset NAME", with " (shared with N other task(s))".
std::string fetching_reason(const std::string& name, int others) {
  std::string r = "preparing: fetching dataset " + name;
  if (others > 0) r += " (shared with " + std::to_string(others) + " other task" + (others == 1 ? "" : "s") + ")";
  return r;
}

}  // namespace

Result<void> prepare_datasets(storage::Storage& storage, BlobCache& blobs, datasets::Cache& cache,
                              const std::vector<datasets::Use>& uses, const fs::path& folder, bool link,
                              const DatasetHooks& hooks) {
  for (const auto& use : uses) {
    MaterialiseStats stats;
    auto fill = [&](const fs::path& into) -> Result<void> {
      if (hooks.status) hooks.status(fetching_reason(use.name, 0));
      auto got = materialise_dataset(storage, blobs, use.name, use.hash, into);
      if (!got) return std::unexpected(got.error());
      stats = *got;
      return {};
    };
    auto on_wait = [&](int others) {
      if (hooks.status) hooks.status(fetching_reason(use.name, others));
    };
    auto copy = cache.get(use.hash, fill, on_wait);
    if (!copy) return std::unexpected(copy.error());  // materialise_dataset's messages name the dataset
    if (hooks.note) {
      if (copy->filled)
        hooks.note("dataset " + use.name + " ready: " + std::to_string(stats.files) + " files, " +
                   util::human_bytes(stats.bytes) + " (" + std::to_string(stats.fetched) + " fetched from storage)");
      else
        hooks.note("dataset " + use.name + " ready (already on this machine)");
    }
    if (link)
      if (auto l = datasets::link_into(folder, use, copy->path); !l) return std::unexpected(l.error());
  }
  return {};
}

}  // namespace lab::remote
