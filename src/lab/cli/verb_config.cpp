// `lab config check FILE [--kind K] [--print]`: validate a task.toml or a role's config.
#include <lab/config/check.hpp>

#include <cstdio>

#include "cli11.hpp"
#include "verbs.hpp"

namespace lab::cli {

int run_config(const Args& args) {
  CLI::App app{"validate a task.toml or a role's config file", "lab config"};
  app.set_help_flag("-h,--help", "show this help");
  app.require_subcommand(1);
  CLI::App* check = app.add_subcommand("check", "check a config file; print every problem with its line and column");
  std::string file, kind_text;
  bool print = false;
  check->add_option("FILE", file, "task.toml, proxy.toml, remote.toml or worker.toml")->required();
  check->add_option("--kind", kind_text, "task, proxy, remote or worker (default: from the file name)")
      ->check(CLI::IsMember({"task", "proxy", "remote", "worker"}));
  check->add_flag("--print", print, "also print the values read (secrets as ********)");
  if (auto code = parse_args(app, args)) return *code;

  std::optional<config::Kind> kind =
      kind_text.empty() ? config::kind_from_filename(file) : config::kind_from_name(kind_text);
  if (!kind) {
    std::fprintf(stderr,
                 "lab config check: cannot tell what kind of config '%s' is from its name; "
                 "add --kind task, --kind proxy, --kind remote or --kind worker\n",
                 file.c_str());
    return kExitUsage;
  }
  config::CheckReport report = config::check_file(file, *kind);
  if (!report.errors.empty()) {
    std::fputs(config::format(report.errors).c_str(), stderr);
    if (report.errors.front().line == 0) return kExitFailure;  // unreadable: nothing was checked
    std::fprintf(stderr, "%s: %zu problem%s found in this %.*s config\n", file.c_str(), report.errors.size(),
                 report.errors.size() == 1 ? "" : "s", static_cast<int>(config::kind_name(*kind).size()),
                 config::kind_name(*kind).data());
    return kExitFailure;
  }
  std::printf("%s: valid %.*s config\n", file.c_str(), static_cast<int>(config::kind_name(*kind).size()),
              config::kind_name(*kind).data());
  if (print)
    for (const auto& [key, value] : report.values) std::printf("%s = %s\n", key.c_str(), value.c_str());
  return kExitOk;
}

}  // namespace lab::cli
