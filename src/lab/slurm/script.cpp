#include <lab/slurm/script.hpp>

#include <lab/config/units.hpp>

#include <cctype>
#include <charconv>
#include <fstream>

namespace lab::slurm {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

std::string sanitize_name(std::string_view s) {
  std::string r;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    r.push_back(ok ? c : '_');
  }
  return r;
}

// A value that goes into an `#SBATCH` line, which sbatch reads itself (not a shell): it
// must stay on one line and hold nothing sbatch treats specially in file names or quotes.
Result<std::string> sbatch_value(std::string_view what, std::string_view v) {
  for (char c : v)
    if (c == '\n' || c == '\r' || c == '"' || c == '%' || c == '\\' || c == '\0')
      return fail(Errc::invalid_argument, std::string(what) + " \"" + std::string(v) +
                                              "\" holds a character a batch script cannot carry (newline, '\"', '%' or '\\')");
  if (v.empty()) return fail(Errc::invalid_argument, std::string(what) + " is empty");
  return std::string(v);
}

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// A comment line: printable ASCII only, so nothing ends the comment early.
std::string comment_text(std::string_view s) {
  std::string r;
  for (char c : s) r.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return r;
}

}  // namespace

std::string job_name_for(std::string_view prefix, std::string_view task_id, int attempt) {
  return sanitize_name(prefix) + "-" + sanitize_name(task_id) + "-" + std::to_string(attempt);
}

std::string shell_quote(std::string_view s) {
  std::string r = "'";
  for (char c : s) {
    if (c == '\'') r += "'\\''";
    else r.push_back(c);
  }
  r.push_back('\'');
  return r;
}

Result<std::string> render_batch_script(const JobRequest& job) {
  if (job.command.empty()) return fail(Errc::invalid_argument, "the task has no command to run");
  if (job.cpus < 1) return fail(Errc::invalid_argument, "a task needs at least 1 CPU, not " + std::to_string(job.cpus));
  if (job.gpus < 0) return fail(Errc::invalid_argument, "a task cannot ask for " + std::to_string(job.gpus) + " GPUs");
  if (job.workdir.empty() || job.output_path.empty() || job.error_path.empty() || job.exit_code_path.empty())
    return fail(Errc::invalid_argument, "the job needs a working directory, output, error and exit-code paths");

  std::string s = "#!/bin/bash\n";
  auto line = [&](std::string_view what, std::string_view flag, std::string_view value, bool quoted) -> Result<void> {
    auto v = sbatch_value(what, value);
    if (!v) return std::unexpected(v.error());
    s += "#SBATCH ";
    s += flag;
    s += quoted ? "=\"" + *v + "\"\n" : "=" + *v + "\n";
    return {};
  };
  std::string name = job.job_name.empty() ? job_name_for("lab", job.task_id, 1) : sanitize_name(job.job_name);
  std::vector<std::pair<std::string, std::string>> plain = {{"--job-name", name},
                                                            {"--cpus-per-task", std::to_string(job.cpus)}};
  if (job.memory_bytes > 0) plain.emplace_back("--mem", std::to_string((job.memory_bytes + kMiB - 1) / kMiB) + "M");
  if (job.time_limit_s > 0) plain.emplace_back("--time", config::format_duration(job.time_limit_s));
  if (job.gpus > 0) plain.emplace_back("--gres", job.gres_name + ":" + std::to_string(job.gpus));
  if (job.partition) plain.emplace_back("--partition", *job.partition);
  if (job.qos) plain.emplace_back("--qos", *job.qos);
  if (job.account) plain.emplace_back("--account", *job.account);
  for (const auto& [flag, value] : plain)
    if (auto r = line(flag, flag, value, false); !r) return std::unexpected(r.error());
  for (const auto& [flag, p] : {std::pair{"--output", job.output_path}, {"--error", job.error_path}, {"--chdir", job.workdir}})
    if (auto r = line(flag, flag, p.string(), true); !r) return std::unexpected(r.error());
  for (const auto& extra : job.extra_sbatch) {
    auto v = sbatch_value("extra_sbatch line", extra);
    if (!v) return std::unexpected(v.error());
    s += "#SBATCH " + *v + "\n";
  }
  s += "# lab task " + comment_text(job.task_id);
  if (!job.name.empty()) s += ": " + comment_text(job.name);
  s += "\n\n";

  // The marker comes first: the watcher sees the start without asking the controller.
  if (!job.started_path.empty()) s += ": > " + shell_quote(job.started_path.string()) + "\n";
  s += "export PYTHONUNBUFFERED=1\n";
  for (const auto& [k, v] : job.env) {
    if (!is_identifier(k))
      return fail(Errc::invalid_argument, "environment variable name \"" + comment_text(k) + "\" is not a valid name");
    s += "export " + k + "=" + shell_quote(v) + "\n";
  }
  const std::string code_file = shell_quote(job.exit_code_path.string());
  const std::string code_tmp = shell_quote(job.exit_code_path.string() + ".tmp");
  s += "rm -f -- " + code_file + "\n";
  s += "cd -- " + shell_quote(job.workdir.string()) +
       " || { echo \"lab: cannot enter the task folder\" >&2; echo 1 > " + code_file + "; exit 1; }\n";
  // The command is one quoted word: nothing in it runs until bash -c runs it.
  s += "/bin/bash -c " + shell_quote(job.command) + "\n";
  s += "rc=$?\n";
  s += "echo \"$rc\" > " + code_tmp + " && mv -f -- " + code_tmp + " " + code_file + "\n";
  s += "exit \"$rc\"\n";
  return s;
}

std::optional<int> read_exit_code_file(const std::filesystem::path& path) {
  std::ifstream f(path);
  std::string text;
  if (!f || !std::getline(f, text)) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace lab::slurm
