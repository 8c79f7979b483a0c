// `lab files [DIR] [--ignored] [--json]`: what a submit would upload from DIR.
#include <lab/files/manifest.hpp>
#include <lab/files/scan.hpp>

#include <cstdio>

#include "cli11.hpp"

#include "verbs.hpp"

namespace lab::cli {

int run_files(const Args& args) {
  CLI::App app{"List the files a submit would upload from DIR (default: the current folder), "
               "after .gitignore and .labignore rules.", "lab files"};
  app.set_help_flag("-h,--help", "show this help");
  std::string dir = ".";
  bool ignored = false;
  bool json = false;
  app.add_option("DIR", dir, "the project folder");
  auto* ign = app.add_flag("--ignored", ignored, "print what is left out and the rule that did it");
  app.add_flag("--json", json, "print the whole manifest (paths, modes, sizes, xxh3-128 hashes)")
      ->excludes(ign);
  if (auto code = parse_args(app, args)) return *code;

  files::ScanOptions options;
  options.hash = json;  // listing paths needs no contents
  options.collect_ignored = ignored;
  files::ScanReport report;
  auto manifest = files::scan(dir, options, &report);
  for (const auto& w : report.warnings) std::fprintf(stderr, "lab files: warning: %s\n", w.c_str());
  if (!manifest) {
    std::fprintf(stderr, "lab files: %s\n", manifest.error().message.c_str());
    return kExitFailure;
  }
  std::string out;
  if (json) {
    out = files::to_json(*manifest, true);
    out += '\n';
  } else if (ignored) {
    for (const auto& e : report.ignored) out += e.path + "\t" + e.reason + "\n";
  } else {
    for (const auto& e : manifest->entries) out += e.path + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace lab::cli
