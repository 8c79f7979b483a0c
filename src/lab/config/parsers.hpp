// The parsers behind task.hpp and roles.hpp, also giving the values read (private to
// lab::config, for `lab config check --print`).
#pragma once

#include <lab/config/roles.hpp>
#include <lab/config/task.hpp>

#include "schema.hpp"

namespace lab::config::detail {

// As parse_task etc.; when `values` is given, it receives every key read (secrets masked).
Checked<TaskSpec> parse_task(std::string_view text, std::string_view file, const TaskParseOptions& options, schema::Pairs* values);
Checked<ProxyConfig> parse_proxy(std::string_view text, std::string_view file, const std::filesystem::path& base, schema::Pairs* values);
Checked<RemoteConfig> parse_remote(std::string_view text, std::string_view file, const std::filesystem::path& base, schema::Pairs* values);
Checked<DemoConfig> parse_demo(std::string_view text, std::string_view file, const std::filesystem::path& base);
// `optional_keys` ("remote", "token") may be missing: the command line supplies them.
Checked<WorkerConfig> parse_worker(std::string_view text, std::string_view file, const std::filesystem::path& base, schema::Pairs* values,
                                   const std::vector<std::string>& optional_keys = {});

// Keeps what the walk found: the errors sorted, the values handed to `values`.
template <class T>
Checked<T> finish(schema::Outcome& out, T value, schema::Pairs* values) {
  std::stable_sort(out.errors.begin(), out.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  if (values) *values = std::move(out.values);
  if (!out.errors.empty()) return std::unexpected(std::move(out.errors));
  return value;
}

}  // namespace lab::config::detail
