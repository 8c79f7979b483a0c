#include <lab/web/assets.hpp>

#include <array>
#include <utility>
#include <vector>

namespace lab::web {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kTypes = {{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
}};

const std::vector<Asset>& table() {
  static const std::vector<Asset> assets = [] {
    std::vector<Asset> out;
    for (std::size_t i = 0; i < detail::kEmbeddedCount; ++i) {
      const auto& f = detail::kEmbedded[i];
      out.push_back({f.name, f.body, content_type_for(f.name)});
    }
    return out;
  }();
  return assets;
}

}  // namespace

std::string_view content_type_for(std::string_view name) {
  for (const auto& [ext, type] : kTypes)
    if (name.size() > ext.size() && name.ends_with(ext)) return type;
  return "application/octet-stream";
}

const Asset* find_asset(std::string_view name) {
  for (const auto& a : table())
    if (a.name == name) return &a;
  return nullptr;
}

std::span<const Asset> all_assets() { return table(); }

}  // namespace lab::web
