// The upload-and-submit path shared by `lab submit` and `lab run`: scan the project, say in
// one line what will be sent, upload only missing content, create the task, and optionally
// follow it to its end.
#pragma once

#include <lab/config/task.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace lab::cli {

struct SubmitRequest {
  std::string verb;                        // "submit" or "run", for messages
  config::TaskSpec spec;                   // already validated
  std::filesystem::path project_root = ".";
  std::string spec_source;                 // where the spec came from, for errors ("task.toml", "--data")
  bool wait = false;                       // follow the log; exit with the task's code
  bool json = false;                       // print {"task_id", "uploaded_files", ...} on stdout
  std::optional<std::string> proxy;        // --proxy
};

// Runs the whole path; returns the process exit code.
int submit_project(const SubmitRequest& request);

}  // namespace lab::cli
