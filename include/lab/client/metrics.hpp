// A task's metrics lines (docs/metrics.md) as a table, for `lab metrics`: one row per JSON
// object line, one column per key (in the order keys first appear, `step` first).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lab::client {

struct MetricsTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // "" where a line lacks a column
  int skipped = 0;                             // lines that were not a JSON object
};

// Parses JSON lines; numbers keep their shortest exact form, strings their text, other
// values their JSON. Blank lines are ignored; other lines that are not objects are counted.
MetricsTable parse_metrics(std::string_view jsonl);

// RFC 4180 CSV with a header row: fields holding a comma, quote or line break are quoted.
std::string to_csv(const MetricsTable& table);

// Aligned columns for a terminal.
std::string to_text(const MetricsTable& table);

}  // namespace lab::client
