#include <lab/config/check.hpp>

#include <lab/util/strings.hpp>

#include "parsers.hpp"

namespace lab::config {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::task: return "task";
    case Kind::proxy: return "proxy";
    case Kind::remote: return "remote";
    case Kind::worker: return "worker";
  }
  return "task";
}

std::optional<Kind> kind_from_name(std::string_view name) {
  for (Kind k : {Kind::task, Kind::proxy, Kind::remote, Kind::worker})
    if (kind_name(k) == name) return k;
  return std::nullopt;
}

std::optional<Kind> kind_from_filename(const std::filesystem::path& path) {
  std::string file = util::to_lower(path.filename().string());
  if (!file.ends_with(".toml")) return std::nullopt;
  std::string stem = file.substr(0, file.size() - 5);
  for (Kind k : {Kind::task, Kind::proxy, Kind::remote, Kind::worker}) {
    std::string n(kind_name(k));
    if (stem == n || stem.ends_with("." + n) || stem.ends_with("-" + n) || stem.ends_with("_" + n) ||
        stem.starts_with(n + ".") || stem.starts_with(n + "-") || stem.starts_with(n + "_"))
      return k;
  }
  return std::nullopt;
}

CheckReport check_file(const std::filesystem::path& path, Kind kind) {
  CheckReport report;
  auto text = schema::read_file(path);
  if (!text) {
    report.errors.push_back(text.error());
    return report;
  }
  std::error_code ec;
  const std::filesystem::path base = std::filesystem::absolute(path, ec).parent_path();
  const std::string file = path.string();
  auto keep = [&](const auto& result) {
    if (!result) report.errors = result.error();
  };
  switch (kind) {
    case Kind::task: {
      TaskParseOptions opt{.project_dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path("."),
                           .check_files = true};
      keep(detail::parse_task(*text, file, opt, &report.values));
      break;
    }
    case Kind::proxy: keep(detail::parse_proxy(*text, file, base, &report.values)); break;
    case Kind::remote: keep(detail::parse_remote(*text, file, base, &report.values)); break;
    case Kind::worker: keep(detail::parse_worker(*text, file, base, &report.values)); break;
  }
  return report;
}

}  // namespace lab::config
