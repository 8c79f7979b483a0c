// The web pages' files (web/ and the vendored uPlot), embedded in the binary at build time
// by cmake/EmbedAssets.cmake; the proxy serves them (docs/web.md).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace lab::web {

// One embedded file: its base name ("task.js"), bytes, and Content-Type.
struct Asset {
  std::string_view name;
  std::string_view body;
  std::string_view content_type;
};

// The file named `name`, or nullptr. Thread-safe (the table is constant).
const Asset* find_asset(std::string_view name);

// Every embedded file, in build order.
std::span<const Asset> all_assets();

// The Content-Type for a file name by its extension ("application/octet-stream" if unknown).
std::string_view content_type_for(std::string_view name);

namespace detail {
// Written by the generated web_assets.cpp.
struct EmbeddedFile {
  std::string_view name;
  std::string_view body;
};
extern const EmbeddedFile kEmbedded[];
extern const std::size_t kEmbeddedCount;
}  // namespace detail

}  // namespace lab::web
