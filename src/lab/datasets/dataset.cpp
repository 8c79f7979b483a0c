#include <lab/datasets/dataset.hpp>

#include <lab/storage/layout.hpp>

#include <set>

namespace lab::datasets {
namespace fs = std::filesystem;

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<std::vector<Use>> uses_from_submit(const std::vector<std::string>& names, const std::vector<std::string>& keys) {
  if (names.size() != keys.size())
    return fail(Errc::invalid_argument, "the task names " + std::to_string(names.size()) + " dataset(s) but the proxy sent " +
                                            std::to_string(keys.size()) + " dataset location(s); submit the task again");
  std::vector<Use> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (!valid_name(name))
      return fail(Errc::invalid_argument, "dataset name '" + name +
                                              "' is not a simple word (letters, digits, '-', '_', '.'); fix [files] datasets");
    if (!seen.insert(name).second)
      return fail(Errc::invalid_argument, "dataset '" + name + "' is listed twice in [files] datasets");
    const std::string& key = keys[i];
    constexpr std::string_view kPrefix = "datasets/";
    std::string hash;
    if (key.starts_with(kPrefix) && key.ends_with("/")) hash = key.substr(kPrefix.size(), key.size() - kPrefix.size() - 1);
    if (hash.empty() || !storage::layout::validate_hash(hash))
      return fail(Errc::invalid_argument, "the proxy sent '" + key + "' as the location of dataset '" + name +
                                              "', which is not a dataset folder (datasets/<hash>/)");
    out.push_back(Use{name, hash});
  }
  return out;
}

std::vector<std::string> names_in_spec(const nlohmann::json& spec) {
  std::vector<std::string> out;
  if (!spec.is_object() || !spec.contains("files") || !spec["files"].is_object()) return out;
  const auto& files = spec["files"];
  if (!files.contains("datasets") || !files["datasets"].is_array()) return out;
  for (const auto& n : files["datasets"]) out.push_back(n.is_string() ? n.get<std::string>() : std::string());
  return out;
}

nlohmann::json to_json(const std::vector<Use>& uses) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& u : uses) out.push_back({{"name", u.name}, {"hash", u.hash}});
  return out;
}

Result<std::vector<Use>> uses_from_json(const nlohmann::json& j) {
  std::vector<Use> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return fail(Errc::invalid_argument, "'datasets' must be a list of {\"name\", \"hash\"}");
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("hash") || !e["hash"].is_string())
      return fail(Errc::invalid_argument, "each entry of 'datasets' needs the strings 'name' and 'hash'");
    Use u{e["name"].get<std::string>(), e["hash"].get<std::string>()};
    if (!valid_name(u.name)) return fail(Errc::invalid_argument, "'datasets' has the name '" + u.name + "', not a simple word");
    if (!storage::layout::validate_hash(u.hash))
      return fail(Errc::invalid_argument, "'datasets' has the hash '" + u.hash + "' for '" + u.name + "', not a content hash");
    out.push_back(std::move(u));
  }
  return out;
}

Result<void> link_into(const fs::path& task_folder, const Use& use, const fs::path& cached) {
  const fs::path parent = task_folder / kTaskFolder;
  const fs::path link = parent / use.name;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(parent, ec)) && !fs::is_directory(fs::symlink_status(parent, ec)))
    return fail(Errc::conflict, "the project has its own '" + std::string(kTaskFolder) + "' that is not a folder, where dataset '" +
                                    use.name + "' would appear; rename it in the project");
  if (fs::exists(fs::symlink_status(link, ec)))
    return fail(Errc::conflict, "the project has its own '" + std::string(kTaskFolder) + "/" + use.name +
                                    "', where dataset '" + use.name + "' would appear; rename it in the project");
  fs::create_directories(parent, ec);
  if (ec) return fail(Errc::io, "cannot create " + parent.string() + ": " + ec.message());
  fs::create_directory_symlink(cached, link, ec);
  if (ec) return fail(Errc::io, "cannot link dataset '" + use.name + "' into " + parent.string() + ": " + ec.message());
  return {};
}

}  // namespace lab::datasets
