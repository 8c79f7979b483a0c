// Handlers of the verbs in the command table (src/lab/cli/commands.cpp), one file each.
#pragma once

#include <lab/cli/command.hpp>

namespace lab::cli {

int run_help(const Args& args);
int run_version(const Args& args);
int run_config(const Args& args);
int run_files(const Args& args);
int run_worker(const Args& args);

}  // namespace lab::cli
