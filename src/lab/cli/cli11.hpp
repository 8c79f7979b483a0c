// Command-line parsing for verb handlers, on CLI11. Include only from src/lab/cli/verb_*.cpp
// (CLI11 is a heavy header).
#pragma once

#include <lab/cli/command.hpp>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

namespace lab::cli {

// A CLI::App for `lab VERB`, with the row's summary as its description. (CLI::App can be
// neither copied nor moved, hence the pointer.)
inline std::unique_ptr<CLI::App> make_app(std::string_view verb, std::string_view summary) {
  auto app = std::make_unique<CLI::App>(std::string(summary), "lab " + std::string(verb));
  app->set_help_flag("-h,--help", "show this help");
  return app;
}

// Parses `args` into `app`. Returns nullopt when parsing succeeded and the verb should run;
// otherwise the exit code to return at once: kExitOk after printing --help, kExitUsage after
// printing what is wrong.
inline std::optional<int> parse_args(CLI::App& app, const Args& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s\nRun `%s --help` for its options.\n", app.get_name().c_str(),
                 e.what(), app.get_name().c_str());
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace lab::cli
