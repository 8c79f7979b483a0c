// The environment key: one hash naming "these packages on this Python", so every task
// asking for the same thing shares one built environment (docs/environments.md, "The key").
#pragma once

#include <lab/config/task.hpp>
#include <lab/envs/imports.hpp>
#include <lab/result.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lab::envs {

// Where an environment's packages come from, in the order lab looks for them.
enum class Source {
  requirements,  // [environment] requirements, or requirements.txt in the project root
  uv_lock,       // uv.lock + pyproject.toml in the project root
  guessed,       // none of those: packages guessed from the .py files' imports
  none,          // none of those and no third-party imports: nothing to install
};

// "requirements", "uv.lock", "guessed", "none".
std::string_view source_name(Source s);

// One file that went into the key.
struct KeyFile {
  std::string path;  // project-relative, '/'-separated
  std::string hash;  // xxh3-128 hex of the normalised content (docs/environments.md)
};

struct EnvKey {
  std::string hex;                 // 32 lower-case hex digits: xxh3-128 of `canonical`; the env's folder name
  Source source = Source::none;
  std::string python;              // asked-for version, "3.11" or "3.11.4"; empty = the cluster's default
  std::string python_from;         // "task.toml", ".python-version", or empty
  std::vector<KeyFile> files;      // requirement inputs; for `requirements` the first is the file pip reads
  std::vector<KeyFile> wheels;     // [environment] extra_wheels, in the order given
  ImportGuess guess;               // filled when source is `guessed` (or `none` after a scan)
  std::vector<std::string> notes;  // hints for the student, e.g. "pyproject.toml without uv.lock is not used"
  std::string canonical;           // the exact text that was hashed, one input per line

  // False when there is nothing to install and no Python version was asked for: the task
  // runs on the cluster's default Python as it is, and no environment is built.
  bool needs_build() const { return source != Source::none || !wheels.empty() || !python.empty(); }

  // Which inputs made the key, for logs and `lab submit`:
  // "requirements.txt (+ constraints.txt), Python 3.11 from .python-version, 1 extra wheel".
  std::string describe() const;
};

// Computes the key of `project_dir` with the task's [environment] section. Reads only the
// input files (and, when there are none, the .py files for the guess). Fails with
// Errc::not_found when a file the task names is missing, Errc::invalid_argument when a
// Python version is malformed or a requirements include leaves the project, Errc::io when
// a file cannot be read. The same inputs always give the same key, on any machine.
Result<EnvKey> compute_key(const std::filesystem::path& project_dir, const config::Environment& env);

// How a key input is normalised before hashing.
enum class InputKind {
  requirements,  // CRLF->LF, BOM dropped, continuations joined, comments/blank lines/edge spaces dropped
  text,          // CRLF->LF, BOM dropped (uv.lock, pyproject.toml)
  binary,        // bytes as they are (wheels)
};

// xxh3-128 hex of `file`'s normalised content. Errc::not_found / io when unreadable.
Result<std::string> hash_input(const std::filesystem::path& file, InputKind kind);

// The normalised text of a requirements file (what hash_input hashes for `requirements`).
std::string normalise_requirements(std::string_view text);

}  // namespace lab::envs
