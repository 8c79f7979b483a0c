#include "command_line.hpp"

#include <cstdio>

namespace lab::proxy {

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += '\'';
  return out;
}

std::string task_command(const config::TaskSpec& spec) {
  const config::Run& run = spec.run;
  std::string line;
  if (!run.workdir.empty() && run.workdir != "." && run.workdir != "./") line = "cd " + shell_quote(run.workdir) + " && ";
  if (run.command) return line + *run.command;
  const std::string script = run.script.value_or("");
  if (script.ends_with(".py")) {
    line += "python3 " + shell_quote(script);
  } else if (script.ends_with(".sh")) {
    line += "bash " + shell_quote(script);
  } else {
    // A bare name would be looked up on PATH; the script is a file in the workdir.
    line += shell_quote(script.find('/') == std::string::npos ? "./" + script : script);
  }
  for (const auto& a : run.args) line += " " + shell_quote(a);
  return line;
}

std::string memory_text(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1u << 20;
  return std::to_string((bytes + kMiB - 1) / kMiB) + "M";
}

std::string time_limit_text(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  return buf;
}

}  // namespace lab::proxy
