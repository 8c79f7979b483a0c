// What is wrong in a config file, pointing at the line: `task.toml:7:1: unknown key 'gpu' ...`.
#pragma once

#include <lab/result.hpp>

#include <expected>
#include <string>
#include <vector>

namespace lab::config {

// One problem in a config file. `line` and `column` count from 1; 0 means "the whole file"
// (e.g. it cannot be read). `message` never contains the value of a secret key.
struct Diagnostic {
  std::string file;  // the path as the user gave it
  int line = 0;
  int column = 0;
  std::string message;

  // "file:line:column: message" (or "file: message" when there is no line).
  std::string str() const;
};

// A parsed config, or every problem found in it (sorted by line and column, never empty).
template <class T>
using Checked = std::expected<T, std::vector<Diagnostic>>;

// All diagnostics as one Error (code invalid_argument; not_found when the file is missing),
// one per line, for callers that just report and stop.
Error to_error(const std::vector<Diagnostic>& diagnostics);

// The text of every diagnostic, one per line, each ending in '\n'.
std::string format(const std::vector<Diagnostic>& diagnostics);

}  // namespace lab::config
