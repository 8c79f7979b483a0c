#include <lab/cli/command.hpp>
#include <lab/sys/process.hpp>
#include <lab/util/strings.hpp>

#include <cstdio>
#include <exception>
#include <string>

namespace lab::cli {
namespace {

int not_built(const Command& c) {
  std::fprintf(stderr,
               "lab %.*s: not available in this build yet. `lab help` marks the verbs that are.\n",
               static_cast<int>(c.name.size()), c.name.data());
  return kExitNotBuilt;
}

int unknown_verb(std::string_view verb) {
  std::vector<std::string> names;
  for (const auto& c : commands()) names.emplace_back(c.name);
  std::string msg = "lab: unknown command '" + std::string(verb) + "'";
  if (auto near = util::closest_match(verb, names)) msg += " (did you mean '" + *near + "'?)";
  std::fprintf(stderr, "%s\nRun `lab help` to see every command.\n", msg.c_str());
  return kExitUsage;
}

int dispatch(Args args) {
  if (args.empty()) return find_command("help")->run({});
  std::string verb = args.front();
  args.erase(args.begin());
  if (verb == sys::kGuardVerb) return sys::run_guard(args);  // internal: a worker's task guard
  if (verb == "--version" || verb == "-V") verb = "version";
  if (verb == "--help" || verb == "-h") verb = "help";
  if (verb == "cli") {  // `lab cli submit` == `lab submit`
    if (args.empty()) return find_command("help")->run({});
    verb = args.front();
    args.erase(args.begin());
    const Command* c = find_command(verb);
    if (c && c->group != Group::student) {
      std::fprintf(stderr, "lab cli: '%s' is not a student command; run `lab %s` instead.\n",
                   verb.c_str(), verb.c_str());
      return kExitUsage;
    }
  }
  const Command* c = find_command(verb);
  if (!c) return unknown_verb(verb);
  if (!c->run) return not_built(*c);
  return c->run(args);
}

}  // namespace

int run_main(int argc, char** argv) {
  try {
    return dispatch(Args(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lab: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "lab: internal error\n");
  }
  return kExitInternal;
}

}  // namespace lab::cli
