// What `lab submit` and `lab run` say about a task's Python environment before uploading:
// which inputs make its key and, never silently, the packages guessed from the imports of a
// project that pins nothing, with how to pin them (docs/environments.md).
#pragma once

#include <lab/config/task.hpp>
#include <lab/envs/key.hpp>
#include <lab/result.hpp>

#include <cstdio>
#include <filesystem>

namespace lab::cli {

// Computes the environment key of the project at `root` and prints to `out` one line naming
// its inputs, the key's notes, and the guess with its pinning advice. Fails with the key's
// error (a missing requirements file, a malformed Python version) so the submit stops before
// uploading anything.
Result<envs::EnvKey> explain_environment(const config::TaskSpec& spec, const std::filesystem::path& root,
                                         std::FILE* out);

}  // namespace lab::cli
