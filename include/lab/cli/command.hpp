// The table of `lab` verbs and the program's entry point. Every verb, student or server
// role, is one row; `lab help` prints the table and a misspelt verb gets "did you mean".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lab::cli {

// Process exit codes shared by every verb.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // the operation failed (message on stderr)
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitNotBuilt = 3;     // the verb exists but is not available in this build
inline constexpr int kExitInternal = 70;    // an unexpected exception reached the top

// The arguments after the verb ("lab logs 12 -f" -> {"12", "-f"}).
using Args = std::vector<std::string>;

enum class Group { student, server, tool };

struct Command {
  std::string_view name;
  Group group;
  std::string_view synopsis;  // arguments shown in `lab help`, e.g. "[-c task.toml] [--wait]"
  std::string_view summary;   // one line
  int (*run)(const Args& args);  // returns an exit code; nullptr while not built yet
};

// Every verb, in the order `lab help` lists them.
std::span<const Command> commands();

// The row for `name`, or nullptr.
const Command* find_command(std::string_view name);

// Entry point of the `lab` executable: picks the verb (`cli` prefix optional for student
// verbs) and runs it. Never throws.
int run_main(int argc, char** argv);

}  // namespace lab::cli
