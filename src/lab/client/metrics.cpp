#include <lab/client/metrics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace lab::client {

MetricsTable parse_metrics(std::string_view jsonl) {
  MetricsTable t;
  std::map<std::string, std::size_t> index;
  std::vector<std::map<std::size_t, std::string>> cells;
  while (!jsonl.empty()) {
    const auto nl = jsonl.find('\n');
    std::string_view line = jsonl.substr(0, nl);
    jsonl = nl == std::string_view::npos ? std::string_view() : jsonl.substr(nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto j = nlohmann::ordered_json::parse(line, nullptr, false);  // keeps the keys in written order
    if (j.is_discarded() || !j.is_object()) {
      ++t.skipped;
      continue;
    }
    std::map<std::size_t, std::string> row;
    for (const auto& [key, value] : j.items()) {
      auto [it, added] = index.try_emplace(key, t.columns.size());
      if (added) t.columns.push_back(key);
      row[it->second] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    cells.push_back(std::move(row));
  }
  // `step` first, the rest as they first appeared.
  std::vector<std::size_t> order(t.columns.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_partition(order.begin(), order.end(), [&](std::size_t i) { return t.columns[i] == "step"; });
  std::vector<std::string> columns;
  for (auto i : order) columns.push_back(t.columns[i]);
  for (const auto& row : cells) {
    std::vector<std::string> r;
    for (auto i : order) {
      auto it = row.find(i);
      r.push_back(it == row.end() ? "" : it->second);
    }
    t.rows.push_back(std::move(r));
  }
  t.columns = std::move(columns);
  return t;
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void csv_row(std::string& out, const std::vector<std::string>& row) {
  for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + csv_field(row[i]);
  out += "\r\n";
}

}  // namespace

std::string to_csv(const MetricsTable& table) {
  std::string out;
  csv_row(out, table.columns);
  for (const auto& r : table.rows) csv_row(out, r);
  return out;
}

std::string to_text(const MetricsTable& table) {
  std::vector<std::size_t> width;
  for (const auto& c : table.columns) width.push_back(c.size());
  for (const auto& r : table.rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) out += "  ";
      out += cells[i];
      if (i + 1 < cells.size()) out.append(width[i] - cells[i].size(), ' ');
    }
    out += "\n";
  };
  line(table.columns);
  for (const auto& r : table.rows) line(r);
  return out;
}

}  // namespace lab::client
