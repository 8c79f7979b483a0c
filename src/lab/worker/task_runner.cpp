#include <lab/util/strings.hpp>
#include <lab/worker/cgroup.hpp>
#include <lab/worker/task_runner.hpp>

#include <signal.h>

#include <cstdio>

namespace lab::worker {
namespace {

constexpr std::chrono::milliseconds kWaitSlice{50};

std::string join_gpus(const std::vector<int>& gpus) {
  std::string out;
  for (std::size_t i = 0; i < gpus.size(); ++i) out += (i ? "," : "") + std::to_string(gpus[i]);
  return out;
}

}  // namespace

std::string format_log_line(std::int64_t at_ms, std::string_view stream, std::string_view text) {
  std::string line = sys::format_utc_ms(at_ms);
  line += ' ';
  line += stream;
  line += ' ';
  line += text;
  line += '\n';
  return line;
}

std::string format_time_limit(std::int64_t s) {
  char buf[48];
  if (s >= 86400)
    std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", static_cast<long long>(s / 86400),
                  static_cast<long long>(s / 3600 % 24), static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

TaskRunner::TaskRunner(RunRequest request, LogWriter log, RunnerOptions options, sys::Clock& clock)
    : request_(std::move(request)), log_(std::move(log)), options_(std::move(options)), clock_(clock) {}

TaskRunner::~TaskRunner() {
  if (process_) process_->terminate(std::chrono::milliseconds(0));
}

void TaskRunner::lab_line(const std::string& text) {
  if (log_) log_(format_log_line(clock_.now_ms(), "lab", text));
}

Result<void> TaskRunner::start() {
  std::error_code ec;
  std::filesystem::create_directories(output_dir(), ec);
  std::filesystem::create_directories(metrics_file().parent_path(), ec);
  if (ec) return fail(Errc::io, "cannot prepare " + request_.folder.string() + ": " + ec.message());

  sys::ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", request_.command};
  spec.cwd = request_.folder / request_.workdir;
  spec.env = request_.env;
  spec.guard = options_.guard;
  spec.env["LAB_TASK_ID"] = request_.task_id;
  spec.env["LAB_OUTPUT_DIR"] = output_dir().string();
  spec.env["LAB_METRICS"] = metrics_file().string();
  spec.env["PYTHONUNBUFFERED"] = "1";
  spec.env["CUDA_VISIBLE_DEVICES"] = join_gpus(request_.gpus);

  std::string why_no_cgroup = "disabled in the worker's settings";
  if (options_.use_cgroups) {
    auto parent = options_.cgroup_parent ? Result<std::filesystem::path>(*options_.cgroup_parent) : find_cgroup_parent();
    if (parent) {
      auto cg = TaskCgroup::create(*parent, request_.task_id, request_.memory_bytes, request_.cpus);
      if (cg) {
        cgroup_ = std::move(*cg);
        spec.cgroup_procs = cgroup_->procs_file();
        limits_ = "cgroup v2 (" + cgroup_->dir().string() + ")";
      } else {
        why_no_cgroup = cg.error().message;
      }
    } else {
      why_no_cgroup = parent.error().message;
    }
  }
  if (!cgroup_) {
    spec.limits.data_bytes = request_.memory_bytes;
    limits_ = "rlimits";
  }
  std::string desc = "limits: " + std::to_string(request_.cpus) + " CPU" + (request_.cpus == 1 ? "" : "s");
  if (request_.memory_bytes) desc += ", " + util::human_bytes(request_.memory_bytes) + " memory";
  if (request_.time_limit_s) desc += ", time " + format_time_limit(request_.time_limit_s);
  desc += cgroup_ ? ", enforced by " + limits_
                  : ", enforced by rlimits and a wall-clock kill (no cgroup: " + why_no_cgroup + "; CPU count not enforced)";
  lab_line(desc);
  if (!request_.gpus.empty()) lab_line("GPUs: CUDA_VISIBLE_DEVICES=" + join_gpus(request_.gpus));

  auto sink = [this](sys::Stream s, std::string_view text, std::int64_t at_ms) {
    if (log_) log_(format_log_line(at_ms, s == sys::Stream::out ? "out" : "err", text));
  };
  auto p = sys::Process::spawn(spec, sink);
  if (!p) {
    cgroup_.reset();
    return std::unexpected(p.error());
  }
  process_ = std::move(*p);
  started_ms_ = clock_.steady_ms();
  return {};
}

void TaskRunner::cancel() { cancel_requested_ = true; }

RunOutcome TaskRunner::wait() {
  RunOutcome out;
  out.limits = limits_;
  while (true) {
    if (auto st = process_->wait(kWaitSlice)) {
      out.status = *st;
      break;
    }
    if (cancel_requested_) {
      out.cancelled = true;
    } else if (request_.time_limit_s && clock_.steady_ms() - started_ms_ >= request_.time_limit_s * 1000) {
      out.timed_out = true;
      lab_line("time limit " + format_time_limit(request_.time_limit_s) + " reached; stopping the task");
    } else {
      continue;
    }
    out.status = process_->terminate(options_.grace);  // blocks through the grace period
    break;
  }
  out.wall_ms = clock_.steady_ms() - started_ms_;
  out.cpu_seconds = process_->cpu_seconds();
  if (cgroup_) out.out_of_memory = cgroup_->oom_kills() > 0;
  cgroup_.reset();  // kills leftovers and removes the cgroup

  if (out.cancelled) out.reason = "cancelled";
  else if (out.timed_out) out.reason = "time limit " + format_time_limit(request_.time_limit_s) + " reached";
  else if (out.out_of_memory) out.reason = "ran out of memory (limit " + util::human_bytes(request_.memory_bytes) + ")";
  else if (out.status.signaled || out.status.exit_code != 0) out.reason = out.status.describe();
  lab_line(out.reason.empty() ? "finished: exit code 0" : "finished: " + out.reason);
  return out;
}

}  // namespace lab::worker
