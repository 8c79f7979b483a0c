// `lab metrics ID [--csv]`: print the metrics a task logged to $LAB_METRICS (docs/metrics.md)
// as a table, or as CSV for a spreadsheet or plotting script.
#include "cli11.hpp"
#include "session.hpp"
#include "verbs.hpp"

#include <lab/client/metrics.hpp>

#include <cstdio>

namespace lab::cli {

int run_metrics(const Args& args) {
  auto app = make_app("metrics", "Print the metrics a task logged (JSON lines in $LAB_METRICS), as a table or CSV.");
  std::string id;
  bool csv = false;
  std::optional<std::string> proxy;
  app->add_option("ID", id, "the task")->required();
  app->add_flag("--csv", csv, "print CSV with a header row instead of a table");
  app->add_option("--proxy", proxy, "the proxy's URL");
  if (auto code = parse_args(*app, args)) return *code;
  auto conn = connect(proxy, true);
  if (!conn) return report("metrics", conn.error());
  std::string all;
  std::uint64_t from = 0;
  for (;;) {
    auto piece = conn->client->metrics(id, from, std::chrono::seconds(0));
    if (!piece) return report("metrics", piece.error());
    all += piece->data;
    from = piece->next_offset;
    if (piece->data.empty() || piece->complete) break;
  }
  const auto table = client::parse_metrics(all);
  if (table.rows.empty()) {
    std::fprintf(stderr, "lab metrics: task %s has logged no metrics (yet); see `lab help metrics` and docs/metrics.md\n",
                 id.c_str());
    return 0;
  }
  const std::string out = csv ? client::to_csv(table) : client::to_text(table);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (table.skipped > 0)
    std::fprintf(stderr, "lab metrics: skipped %d line(s) that were not a JSON object\n", table.skipped);
  return 0;
}

}  // namespace lab::cli
