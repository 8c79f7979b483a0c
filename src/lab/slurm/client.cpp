#include <lab/slurm/client.hpp>

#include <lab/config/roles.hpp>
#include <lab/util/strings.hpp>

#include <fstream>

namespace lab::slurm {
namespace {

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

std::string first_line(std::string_view s) {
  s = util::trim(s);
  return std::string(s.substr(0, s.find('\n')));
}

Result<void> write_file(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return fail(Errc::io, "cannot write the batch script " + path.string() + "; check the task folder's space and permissions");
  return {};
}

}  // namespace

Tools tools_from_config(const config::RemoteExecutor& e) {
  Tools t;
  t.sbatch = e.sbatch;
  t.squeue = e.squeue;
  t.scontrol = e.scontrol;
  t.sacct = e.sacct;
  t.scancel = e.scancel;
  t.timeout = std::chrono::milliseconds(e.command_timeout_ms);
  return t;
}

Client::Client(Tools tools, CommandRunner& runner, sys::Clock& clock)
    : tools_(std::move(tools)), runner_(runner), clock_(clock) {}

Result<CommandOutput> Client::call(std::vector<std::string> argv) {
  std::int64_t now = clock_.steady_ms();
  if (!backoff_.may_try(now))
    return fail(Errc::unavailable, std::string(kSchedulerDown) + "; next try in " +
                                       std::to_string((backoff_.next_try_ms() - now + 999) / 1000) + " s");
  auto r = runner_.run(argv, tools_.timeout);
  if (!r) {
    if (r.error().code == Errc::timeout) {
      backoff_.failed(clock_.steady_ms());
      return fail(Errc::timeout, std::string(kSchedulerDown) + " (" + r.error().message + ")");
    }
    return std::unexpected(r.error());  // not_found / io: a configuration problem, not the controller
  }
  if (r->exit_code != 0 && is_scheduler_down(r->err)) {
    backoff_.failed(clock_.steady_ms());
    return fail(Errc::unavailable, std::string(kSchedulerDown) + " (" + first_line(r->err) + ")");
  }
  backoff_.succeeded();
  return r;
}

Result<std::optional<std::string>> Client::find_by_name(const std::string& job_name) {
  auto r = call({tools_.squeue, "-h", "-t", "all", "--name=" + job_name, "-o", "%i"});
  if (!r) return std::unexpected(r.error());
  if (r->exit_code != 0)
    return fail(Errc::io, "squeue could not look up job " + job_name + ": " + first_line(r->err));
  std::optional<std::string> newest;
  for (const auto& line : util::split(r->out, '\n')) {
    std::string id(util::trim(line));
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!newest || id.size() > newest->size() || (id.size() == newest->size() && id > *newest)) newest = id;
  }
  return newest;
}

Result<Submission> Client::submit(const JobRequest& job, const std::filesystem::path& script_path,
                                  bool earlier_attempt_uncertain) {
  auto script = render_batch_script(job);
  if (!script) return std::unexpected(script.error());
  if (earlier_attempt_uncertain) {
    std::string name = job.job_name.empty() ? job_name_for("lab", job.task_id, 1) : job.job_name;
    auto found = find_by_name(name);
    if (!found) return std::unexpected(found.error());
    if (*found) return Submission{Submission::Outcome::adopted, **found, {}, {}};
  }
  if (auto w = write_file(script_path, *script); !w) return std::unexpected(w.error());
  auto r = call({tools_.sbatch, "--parsable", script_path.string()});
  if (!r) return std::unexpected(r.error());
  Submission s;
  if (r->exit_code != 0) {
    s.outcome = Submission::Outcome::refused;
    s.refusal = explain_refusal(r->err.empty() ? r->out : r->err, job);
    return s;
  }
  auto id = parse_job_id(r->out, &s.cluster);
  if (!id) return std::unexpected(id.error());
  s.job_id = *id;
  return s;
}

Result<std::map<std::string, JobStatus>> Client::poll(std::span<const std::string> job_ids) {
  if (job_ids.empty()) return std::map<std::string, JobStatus>{};
  std::vector<std::string> ids(job_ids.begin(), job_ids.end());
  auto r = call({tools_.squeue, "-h", "-t", "all", "--jobs=" + util::join(ids, ","), "-O", std::string(kSqueueFormat)});
  if (!r) return std::unexpected(r.error());
  // Every id unknown (all purged): squeue says so and exits 1.
  if (r->exit_code != 0 && contains(r->err, "Invalid job id")) return std::map<std::string, JobStatus>{};
  if (r->exit_code != 0) return fail(Errc::io, "squeue failed: " + first_line(r->err));
  auto all = parse_squeue(r->out);
  std::map<std::string, JobStatus> wanted;
  for (const auto& id : ids)
    if (auto it = all.find(id); it != all.end()) wanted.emplace(id, std::move(it->second));
  return wanted;
}

Result<Accounting> Client::accounting() {
  {
    std::lock_guard lock(mu_);
    if (accounting_) return *accounting_;
  }
  auto r = call({tools_.scontrol, "show", "config"});
  if (!r) return std::unexpected(r.error());
  if (r->exit_code != 0) return fail(Errc::io, "scontrol show config failed: " + first_line(r->err));
  auto kv = parse_config_lines(r->out);
  Accounting a = Accounting::none;
  if (contains(kv["AccountingStorageType"], "slurmdbd")) a = Accounting::slurmdbd;
  else if (contains(kv["JobCompType"], "filetxt")) a = Accounting::jobcomp_file;
  std::lock_guard lock(mu_);
  accounting_ = a;
  return a;
}

Result<JobStatus> Client::final_status(const std::string& job_id) {
  auto acct = accounting();
  if (!acct) return std::unexpected(acct.error());
  if (*acct == Accounting::slurmdbd) {
    auto r = call({tools_.sacct, "-n", "-P", "-j", job_id, "-o", "JobIDRaw,State,ExitCode,ElapsedRaw,TotalCPU,AllocTRES"});
    if (!r) return std::unexpected(r.error());
    if (r->exit_code == 0)
      if (auto js = parse_sacct(r->out, job_id)) return js;
  }
  auto r = call({tools_.scontrol, "-o", "show", "job", job_id});
  if (!r) return std::unexpected(r.error());
  if (r->exit_code == 0) return parse_scontrol_job(r->out);
  if (!contains(r->err, "Invalid job id")) return fail(Errc::io, "scontrol failed: " + first_line(r->err));
  if (*acct == Accounting::jobcomp_file) {
    auto c = call({tools_.sacct, "-c", "-n", "-P", "-j", job_id, "-o", "JobID,State,ExitCode,ElapsedRaw"});
    if (!c) return std::unexpected(c.error());
    if (c->exit_code == 0) return parse_sacct(c->out, job_id);
  }
  return fail(Errc::not_found, "Slurm no longer knows job " + job_id);
}

Result<void> Client::cancel(const std::string& job_id) {
  auto r = call({tools_.scancel, job_id});
  if (!r) return std::unexpected(r.error());
  if (r->exit_code == 0 && !contains(r->err, "error")) return {};
  if (contains(r->err, "Invalid job id")) return fail(Errc::not_found, "Slurm does not know job " + job_id);
  if (contains(r->err, "already completing or completed"))
    return fail(Errc::conflict, "job " + job_id + " has already finished");
  return fail(Errc::io, "scancel failed: " + first_line(r->err));
}

}  // namespace lab::slurm
