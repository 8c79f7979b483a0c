// The steps of one environment build (private to lab::envs): staging the inputs, finding
// the interpreter, creating the venv and installing into it with pip or uv.
#pragma once

#include <lab/envs/builder.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lab::envs::detail {

// An interpreter found on this machine.
struct Interpreter {
  std::string program;  // as it is run: a name on PATH or a path
  std::string version;  // "3.11.7"
};

// `name`'s full path when it contains no '/' and is an executable on PATH, or it is a path
// to an executable; nullopt otherwise.
std::optional<std::filesystem::path> find_program(const std::string& name);

// The interpreter for `requested` ("" = `default_python`; "3.11" tries python3.11, then the
// default if its version matches). Errc::unsupported names what was found instead.
Result<Interpreter> resolve_python(const std::string& default_python, const std::string& requested);

// Copies the key's inputs from `project` into `inputs` (same relative paths; wheels under
// wheels/; a guessed requirements.txt written out) and checks the copies still hash to the
// key. Errc::conflict when the project changed since the key was computed.
Result<void> stage_inputs(const EnvKey& key, const std::filesystem::path& project, const std::filesystem::path& inputs);

// Runs `argv`, sending "$ command" and then every output line to `log`. Fails with
// Errc::io ("<what> failed (exit code 1): <the tool's ERROR lines>"), or Errc::timeout.
Result<void> run_step(std::string_view what, const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                      const std::map<std::string, std::string>& env, const BuildLog& log, std::chrono::seconds timeout);

// Creates the environment at `env_root` and installs the staged inputs. Returns the tool
// used, "pip" or "uv".
Result<std::string> install(const EnvKey& key, const BuilderOptions& options, const Interpreter& python,
                            const std::filesystem::path& env_root, const std::filesystem::path& inputs,
                            const BuildLog& log);

}  // namespace lab::envs::detail
