// Handlers of the verbs in the command table (src/lab/cli/commands.cpp), one file each.
#pragma once

#include <lab/cli/command.hpp>

namespace lab::cli {

int run_help(const Args& args);
int run_version(const Args& args);
int run_config(const Args& args);
int run_files(const Args& args);
int run_demo(const Args& args);
int run_proxy(const Args& args);
int run_register(const Args& args);
int run_login(const Args& args);
int run_whoami(const Args& args);
int run_logout(const Args& args);
int run_submit(const Args& args);
int run_run(const Args& args);
int run_status(const Args& args);
int run_list(const Args& args);
int run_logs(const Args& args);
int run_cancel(const Args& args);
int run_pull(const Args& args);
int run_metrics(const Args& args);
int run_data(const Args& args);
int run_worker(const Args& args);
int run_remote(const Args& args);

}  // namespace lab::cli
