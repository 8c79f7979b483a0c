#include <lab/slurm/parse.hpp>

#include <lab/util/strings.hpp>

#include <cctype>
#include <charconv>

namespace lab::slurm {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::optional<long long> to_int(std::string_view s) {
  s = util::trim(s);
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "rc:signal" as scontrol and sacct print ExitCode.
void apply_exit_pair(std::string_view text, JobStatus& js) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return;
  auto rc = to_int(text.substr(0, colon));
  auto sig = to_int(text.substr(colon + 1));
  if (!rc || !sig) return;
  js.exit_code = static_cast<int>(*rc);
  js.signal = static_cast<int>(*sig);
}

void finish(JobStatus& js) {
  js.state = parse_state(js.raw_state);
  if (js.state == JobState::pending) js.reason = explain_pending(js.reason_code);
}

}  // namespace

Result<std::string> parse_job_id(std::string_view out, std::string* cluster) {
  std::string_view t = util::trim(out);
  std::string_view id = t.substr(0, t.find(';'));
  if (!all_digits(id) || id.size() > 18 || t.find('\n') != std::string_view::npos)
    return fail(Errc::corrupt, "sbatch answered \"" + std::string(t.substr(0, 200)) + "\" instead of a job id");
  if (cluster) *cluster = id.size() < t.size() ? std::string(t.substr(id.size() + 1)) : std::string();
  return std::string(id);
}

std::optional<double> parse_elapsed(std::string_view text) {
  std::string_view t = util::trim(text);
  if (t.empty()) return std::nullopt;
  double days = 0;
  if (auto dash = t.find('-'); dash != std::string_view::npos) {
    auto d = to_int(t.substr(0, dash));
    if (!d || *d < 0) return std::nullopt;
    days = static_cast<double>(*d);
    t = t.substr(dash + 1);
  }
  double frac = 0;
  if (auto dot = t.find('.'); dot != std::string_view::npos) {
    std::string_view f = t.substr(dot + 1);
    if (!all_digits(f)) return std::nullopt;
    frac = static_cast<double>(*to_int(f));
    for (std::size_t i = 0; i < f.size(); ++i) frac /= 10;
    t = t.substr(0, dot);
  }
  auto parts = util::split(t, ':');
  if (parts.size() > 3) return std::nullopt;
  double secs = 0;
  for (const auto& p : parts) {
    if (!all_digits(p)) return std::nullopt;
    secs = secs * 60 + static_cast<double>(*to_int(p));
  }
  // "D-HH" and "D-HH:MM" count hours first, as Slurm prints them.
  if (days > 0 && parts.size() == 1) secs *= 3600;
  if (days > 0 && parts.size() == 2) secs *= 60;
  return days * 86400 + secs + frac;
}

std::map<std::string, JobStatus> parse_squeue(std::string_view out) {
  std::map<std::string, JobStatus> jobs;
  for (const auto& line : util::split(out, '\n')) {
    auto f = util::split(line, '|');
    if (f.size() < 6 || !all_digits(f[0])) continue;
    JobStatus js;
    js.job_id = f[0];
    js.raw_state = f[1];
    js.reason_code = f[2];
    // exit_code is the raw wait status: exit code in the high byte, signal in the low bits.
    if (auto st = to_int(f[3]); st && *st >= 0) {
      js.signal = static_cast<int>(*st & 0x7f);
      js.exit_code = js.signal ? 0 : static_cast<int>((*st >> 8) & 0xff);
    }
    if (auto e = parse_elapsed(f[4])) js.elapsed_s = static_cast<std::int64_t>(*e);
    // The name is last; it may itself hold '|'.
    std::string name;
    for (std::size_t i = 5; i < f.size(); ++i) name += (i > 5 ? "|" : "") + f[i];
    if (!name.empty() && name.back() == '|') name.pop_back();
    js.name = name;
    finish(js);
    // Not final yet: Slurm reports 0 until the job ends.
    if (!is_final(js.state)) js.exit_code.reset();
    jobs[js.job_id] = std::move(js);
  }
  return jobs;
}

Result<JobStatus> parse_scontrol_job(std::string_view out) {
  JobStatus js;
  bool has_id = false, has_state = false;
  // Values never hold spaces in the fields read here; other fields are skipped.
  for (const auto& word : util::split(util::trim(out), ' ')) {
    auto eq = word.find('=');
    if (eq == std::string::npos) continue;
    std::string_view key(word.data(), eq), value(word.data() + eq + 1, word.size() - eq - 1);
    if (key == "JobId") has_id = all_digits(value), js.job_id = value;
    else if (key == "JobName") js.name = value;
    else if (key == "JobState") has_state = true, js.raw_state = value;
    else if (key == "Reason") js.reason_code = value;
    else if (key == "ExitCode") apply_exit_pair(value, js);
    else if (key == "RunTime") {
      if (auto e = parse_elapsed(value)) js.elapsed_s = static_cast<std::int64_t>(*e);
    }
  }
  if (!has_id || !has_state)
    return fail(Errc::corrupt, "scontrol answered something lab cannot read: \"" + std::string(util::trim(out).substr(0, 200)) + "\"");
  finish(js);
  if (!is_final(js.state)) js.exit_code.reset();
  return js;
}

Result<JobStatus> parse_sacct(std::string_view out, std::string_view job_id) {
  std::optional<JobStatus> job;
  double step_cpu = 0;
  bool any_step_cpu = false;
  for (const auto& line : util::split(out, '\n')) {
    auto f = util::split(line, '|');
    if (f.size() < 4) continue;
    std::string_view id = f[0];
    bool is_job = id == job_id;
    bool is_step = id.size() > job_id.size() && util::starts_with(id, job_id) && id[job_id.size()] == '.';
    if (!is_job && !is_step) continue;
    std::optional<double> cpu = f.size() > 4 ? parse_elapsed(f[4]) : std::nullopt;
    if (is_step) {
      if (cpu) step_cpu += *cpu, any_step_cpu = true;
      continue;
    }
    JobStatus js;
    js.job_id = f[0];
    js.raw_state = f[1];
    apply_exit_pair(f[2], js);
    if (auto e = to_int(f[3])) js.elapsed_s = *e;
    js.cpu_seconds = cpu;
    if (f.size() > 5)
      for (const auto& tres : util::split(f[5], ','))
        if (util::starts_with(tres, "gres/gpu="))
          if (auto n = to_int(std::string_view(tres).substr(9))) js.gpus = static_cast<int>(*n);
    finish(js);
    job = std::move(js);
  }
  if (!job) return fail(Errc::not_found, "sacct does not list job " + std::string(job_id));
  if ((!job->cpu_seconds || *job->cpu_seconds == 0) && any_step_cpu) job->cpu_seconds = step_cpu;
  if (!is_final(job->state)) job->exit_code.reset();
  return *job;
}

std::map<std::string, std::string> parse_config_lines(std::string_view out) {
  std::map<std::string, std::string> kv;
  for (const auto& line : util::split(out, '\n')) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key(util::trim(std::string_view(line).substr(0, eq)));
    if (key.empty() || key.find(' ') != std::string::npos) continue;
    kv[key] = std::string(util::trim(std::string_view(line).substr(eq + 1)));
  }
  return kv;
}

}  // namespace lab::slurm
