// `lab pull ID [-o DIR] [GLOB...]`: download a task's result files into DIR, keeping their
// paths relative to the task's folder (outputs/metrics.json -> DIR/outputs/metrics.json).
#include <lab/client/pull.hpp>
#include <lab/term/progress.hpp>
#include <lab/util/strings.hpp>

#include <memory>

#include "cli11.hpp"
#include "session.hpp"
#include "verbs.hpp"

namespace lab::cli {

int run_pull(const Args& args) {
  auto app = make_app("pull", "Download a task's result files.");
  std::string id, dir = ".";
  std::vector<std::string> globs;
  std::optional<std::string> proxy;
  app->add_option("ID", id, "the task")->required();
  app->add_option("GLOB", globs, "only these paths, like 'outputs/*.json' or outputs (default: all)");
  app->add_option("-o,--output", dir, "the folder to put them in (default: the current folder)");
  app->add_option("--proxy", proxy, "the proxy's URL");
  if (auto code = parse_args(*app, args)) return *code;
  auto conn = connect(proxy, true);
  if (!conn) return report("pull", conn.error());

  const term::Style style = term::Style::detect(stderr);
  std::unique_ptr<term::Progress> bar;
  std::uint64_t got = 0;
  client::PullOptions opt;
  opt.dir = dir;
  opt.globs = globs;
  opt.on_file = [&](const client::ResultFile& f, const std::filesystem::path&) {
    if (bar) bar->finish();
    got = 0;
    bar = style.tty ? std::make_unique<term::Progress>(f.path, f.size, true, style) : nullptr;
    if (!style.tty) std::fprintf(stderr, "%s  %s\n", f.path.c_str(), util::human_bytes(f.size).c_str());
  };
  opt.progress = [&](std::uint64_t n) {
    if (bar && n > got) bar->add(n - got);
    got = n;
  };
  const std::string url = conn->client->url(), token = conn->credentials ? conn->credentials->token : "";
  opt.connect = [&] { return client::ProxyClient::create(url, token); };
  auto summary = client::pull_results(*conn->client, id, opt);
  if (bar) bar->finish();
  if (!summary) return report("pull", summary.error());
  for (const auto& r : summary->refused) std::fprintf(stderr, "lab pull: %s\n", r.c_str());
  std::uint64_t bytes = 0;
  for (const auto& f : summary->pulled) bytes += f.size;
  std::printf("pulled %zu file%s (%s) into %s\n", summary->pulled.size(), summary->pulled.size() == 1 ? "" : "s",
              util::human_bytes(bytes).c_str(), dir.c_str());
  if (!summary->complete)
    std::fprintf(stderr, "lab pull: %s has not finished storing its results yet; pull again when it has ended\n", id.c_str());
  if (summary->pulled.empty() && !globs.empty()) std::fprintf(stderr, "lab pull: no result file matched %s\n", util::join(globs, " ").c_str());
  return summary->refused.empty() ? kExitOk : kExitFailure;
}

}  // namespace lab::cli
