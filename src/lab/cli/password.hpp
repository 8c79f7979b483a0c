// Reading a password without showing it (private to the CLI).
#pragma once

#include <lab/result.hpp>

#include <string>

namespace lab::cli {

// With `from_stdin`, the first line of standard input (for scripts: `... | lab login NAME
// --password-stdin`). Otherwise a prompt on the terminal with echo off; fails when there is
// no terminal, saying to use --password-stdin.
Result<std::string> read_password(const std::string& prompt, bool from_stdin);

}  // namespace lab::cli
