#include <lab/build_info.hpp>
#include <lab/cli/command.hpp>

#include <cstdio>
#include <string>

#include "verbs.hpp"

namespace lab::cli {
namespace {

void print_group(Group g, const char* title) {
  std::printf("\n%s\n", title);
  for (const auto& c : commands()) {
    if (c.group != g) continue;
    std::printf("  %-10.*s %.*s%s\n", static_cast<int>(c.name.size()), c.name.data(),
                static_cast<int>(c.summary.size()), c.summary.data(), c.run ? "" : " (not built yet)");
  }
}

}  // namespace

int run_help(const Args& args) {
  if (!args.empty()) {
    const Command* c = find_command(args.front());
    if (!c) {
      std::fprintf(stderr, "lab help: unknown command '%s'. Run `lab help` to see every command.\n",
                   args.front().c_str());
      return kExitUsage;
    }
    std::printf("usage: lab %.*s %.*s\n\n%.*s\n", static_cast<int>(c->name.size()), c->name.data(),
                static_cast<int>(c->synopsis.size()), c->synopsis.data(),
                static_cast<int>(c->summary.size()), c->summary.data());
    return kExitOk;
  }
  std::printf("lab %s: send training jobs from a project folder to the course's GPU cluster.\n"
              "\nusage: lab [cli] VERB [ARGS...]\n", build::kVersion);
  print_group(Group::student, "Student commands (also as `lab cli VERB`):");
  print_group(Group::server, "Server roles:");
  print_group(Group::tool, "Tools:");
  std::printf("\nRun `lab help VERB` or `lab VERB --help` for a verb's options.\n");
  return kExitOk;
}

int run_version(const Args&) {
  std::printf("lab %s (commit %s, %s build, %s, %s%s)\n", build::kVersion, build::kCommit,
              build::kBuildType, build::kCompiler, build::kStatic ? "static" : "dynamic",
              build::kSanitized ? ", ASan+UBSan" : "");
  return kExitOk;
}

}  // namespace lab::cli
