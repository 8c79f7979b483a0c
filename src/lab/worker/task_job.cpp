#include "task_job.hpp"

#include "log_shipper.hpp"
#include "metrics_follower.hpp"
#include "results.hpp"
#include "task_env.hpp"

#include <lab/archive/archive.hpp>
#include <lab/remote/executor.hpp>
#include <lab/sys/clock.hpp>
#include <lab/util/strings.hpp>
#include <lab/worker/task_runner.hpp>

#include <nlohmann/json.hpp>

namespace lab::worker {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A remote answering 5xx this many times in a row to one call is not asked again for it.
constexpr int kMaxServerErrors = 8;
// How long the remote may take to answer a results upload (it stores every file first).
constexpr std::chrono::milliseconds kResultsAnswerTimeout{15 * 60 * 1000};

}  // namespace

TaskJob::TaskJob(Assignment assignment, JobContext context, std::function<void()> on_done)
    : assignment_(std::move(assignment)), context_(std::move(context)), on_done_(std::move(on_done)) {}

TaskJob::~TaskJob() {
  abandon();
  join();
}

Result<void> TaskJob::start() {
  auto client = net::Client::create(context_.client);
  if (!client) return std::unexpected(client.error());
  client_ = std::move(*client);
  thread_ = std::thread([this] { run(); });
  return {};
}

void TaskJob::cancel() {
  cancelled_ = true;
  std::lock_guard lock(mu_);
  if (runner_) runner_->cancel();
}

void TaskJob::abandon() {
  stopper_.stop();
  if (client_) client_->interrupt();
  std::lock_guard lock(mu_);
  if (runner_) runner_->cancel();
  if (log_) log_->abandon();
}

void TaskJob::join() {
  if (thread_.joinable()) thread_.join();
}

void TaskJob::note(const std::string& text) {
  std::lock_guard lock(mu_);
  if (log_) log_->add(format_log_line(sys::real_clock().now_ms(), "lab", text));
}

void TaskJob::say(const std::string& text) {
  if (context_.say) context_.say("task " + assignment_.task_id + " (attempt " + std::to_string(assignment_.attempt) + "): " + text);
}

PostBatch TaskJob::poster(const std::string& tail) {
  return [this, tail](std::uint64_t offset, const std::string& data) {
    json body{{"attempt", assignment_.attempt}, {"offset", offset}, {"data", data}};
    return client_->post(path(tail), body.dump());
  };
}

ShipperOptions TaskJob::shipper_options() const {
  return {context_.tuning.log_interval, context_.tuning.log_batch_bytes, context_.tuning.retry_first,
          context_.tuning.retry_max};
}

std::string TaskJob::path(const std::string& tail) const { return "/worker/v1/tasks/" + assignment_.task_id + "/" + tail; }

Answer TaskJob::call(const std::string& what, const std::function<Result<net::HttpResponse>()>& fn,
                     Result<net::HttpResponse>* last) {
  Backoff backoff(context_.tuning.retry_first, context_.tuning.retry_max);
  int server_errors = 0;
  bool complained = false;
  while (true) {
    auto r = fn();
    Answer a = classify(r);
    if (last) *last = r;
    if (a != Answer::retry || stopper_.stopped()) return a;
    if (r && ++server_errors >= kMaxServerErrors) return a;
    auto wait = backoff.next();
    if (!complained) say(what + " failed (" + describe(r) + "); retrying in " + say_wait(wait));
    complained = true;
    if (stopper_.wait_for(wait)) return Answer::retry;
  }
}

void TaskJob::run() {
  const fs::path folder = context_.work_dir / assignment_.key();
  std::error_code ec;
  fs::remove_all(folder, ec);

  LogShipper log(
      poster("logs"), shipper_options(),
      [this] {
        gone_ = true;
        cancel();
      },
      [this](const std::string& s) { say(s); });
  {
    std::lock_guard lock(mu_);
    log_ = &log;
  }

  Ending end;
  std::string why = assignment_.problem.empty() ? fetch_files(folder) : assignment_.problem;
  if (why.empty() && !gone_ && !stopper_.stopped()) why = fetch_datasets(folder);
  if (!gone_ && !stopper_.stopped()) {
    if (!why.empty()) {
      end.reason = why;
      note(why);
      say(why);
    } else if (cancelled_) {
      end.reason = "cancelled";
    } else {
      // An environment build streams its log as it happens, before the command starts.
      const bool shipping = context_.envs && job_needs_env(assignment_, folder);
      if (shipping) log.start();
      envs::TaskEnv env;
      if (context_.envs) env = prepare_job_env(*context_.envs, assignment_, folder, [this](const std::string& t) { note(t); });
      if (env.lease.built()) say("built environment " + env.key);
      if (!env.failure.empty()) {
        end.reason = env.failure;
        note(env.failure);
        say(env.failure);
      } else if (cancelled_) {
        end.reason = "cancelled";
      } else if (!gone_ && !stopper_.stopped()) {
        end = run_command(folder, log, job_env_vars(env.lease), shipping);
      }
    }
  }
  if (gone_ || stopper_.stopped()) log.abandon();
  else log.finish();
  {
    std::lock_guard lock(mu_);
    log_ = nullptr;
  }
  if (gone_) say("the remote gave this attempt to someone else or cancelled it; stopped it");
  else if (!stopper_.stopped()) report(folder, end);

  fs::remove_all(folder, ec);  // datasets/<name> are symlinks: removed, never followed
  if (ec) say("could not remove the task folder " + folder.string() + ": " + ec.message());
  fs::remove(context_.work_dir / (assignment_.key() + ".bundle.tar.zst"), ec);
  fs::remove(context_.work_dir / (assignment_.key() + ".results.tar.zst"), ec);
  done_ = true;
  if (on_done_) on_done_();
}

std::string TaskJob::fetch_files(const fs::path& folder) {
  const fs::path bundle = context_.work_dir / (assignment_.key() + ".bundle.tar.zst");
  Result<net::HttpResponse> last;
  Answer a = call("downloading the task's files", [&] {
    return client_->download(path("bundle?attempt=" + std::to_string(assignment_.attempt)), bundle);
  }, &last);
  if (a == Answer::gone) gone_ = true;
  if (a == Answer::gone || stopper_.stopped()) return "";
  if (a != Answer::ok) return "could not download the task's files (" + describe(last) + ")";
  auto unpacked = archive::unpack(bundle, folder);
  std::error_code ec;
  fs::remove(bundle, ec);
  if (!unpacked) return "could not unpack the task's files: " + unpacked.error().message;
  note("task files ready: " + std::to_string(unpacked->entries) + " entries, " +
       util::human_bytes(unpacked->content_bytes));
  return "";
}

TaskJob::Ending TaskJob::run_command(const fs::path& folder, LogShipper& log,
                                     const std::map<std::string, std::string>& env, bool shipping) {
  Ending end;
  RunRequest request{assignment_.task_id, assignment_.command, assignment_.env, assignment_.gpus,
                     std::max(1, assignment_.cpus), assignment_.memory_bytes, assignment_.time_limit_s, folder, "."};
  for (const auto& [k, v] : env) request.env[k] = v;
  if (!assignment_.datasets.empty())
    request.env[std::string(datasets::kEnvVar)] = (fs::absolute(folder) / datasets::kTaskFolder).string();
  RunnerOptions options;
  options.grace = context_.tuning.grace;
  options.use_cgroups = context_.tuning.use_cgroups;
  options.guard = context_.tuning.task_guard;
  // The task's metrics (docs/metrics.md): LAB_METRICS names the file; its lines go to the
  // remote like the log, by their own shipper (a missing route just stops them).
  const fs::path metrics_file = fs::absolute(folder) / remote::kMetricsFile;  // the runner exports it
  LogShipper metrics(poster("metrics"), shipper_options(), [] {}, [this](const std::string& s) { say(s); });
  MetricsFollower follower(metrics_file, context_.tuning.log_interval, [&metrics](std::string line) { metrics.add(std::move(line)); },
                           [this](const std::string& s) { note(s); });
  TaskRunner runner(request, [&log](const std::string& line) { log.add(line); }, options);
  if (auto started = runner.start(); !started) {
    end.reason = "could not start the command: " + started.error().message;
    note(end.reason);
    say(end.reason);
    return end;
  }
  {
    std::lock_guard lock(mu_);
    runner_ = &runner;
    if (cancelled_ || gone_ || stopper_.stopped()) runner.cancel();
  }
  const std::string limits = runner.limits().starts_with("cgroup") ? "cgroup" : "rlimit";
  say("running (limits enforced by " + runner.limits() + ")");
  const std::int64_t at_ms = sys::real_clock().now_ms();
  auto opening = [this, at_ms, limits] {
    json body{{"attempt", assignment_.attempt}, {"at_ms", at_ms}, {"limits", limits}};
    Answer a = call("reporting the start", [&] { return client_->post(path("started"), body.dump()); });
    if (a == Answer::gone) {
      gone_ = true;
      cancel();
    }
    return a != Answer::gone;
  };
  if (shipping) (void)opening();
  else log.start(opening);
  metrics.start();
  follower.start();
  RunOutcome out = runner.wait();
  {
    std::lock_guard lock(mu_);
    runner_ = nullptr;
  }
  follower.stop();
  if (gone_ || stopper_.stopped()) metrics.abandon();
  else metrics.finish();
  end.exit_code = out.status.shell_code();
  end.signal = out.status.signaled ? out.status.signal : 0;
  end.reason = out.reason;
  end.cpu_seconds = out.cpu_seconds;
  end.wall_seconds = static_cast<double>(out.wall_ms) / 1000.0;
  say(out.reason.empty() ? "finished: exit code 0" : "finished: " + out.reason);
  return end;
}

void TaskJob::report(const fs::path& folder, const Ending& end) {
  const fs::path archive_file = context_.work_dir / (assignment_.key() + ".results.tar.zst");
  const std::string attempt = std::to_string(assignment_.attempt);
  std::error_code ec;
  auto pack_nothing = [&]() -> Result<std::size_t> {
    auto r = archive::pack_entries(context_.work_dir, std::span<const std::string>{}, archive_file);
    if (!r) return std::unexpected(r.error());
    return 0;
  };
  auto packed = fs::is_directory(folder, ec) ? pack_results(folder, assignment_.download, archive_file) : pack_nothing();
  if (!packed) {
    say("could not pack the results (" + packed.error().message + "); sending none");
    packed = pack_nothing();
  }
  if (packed) {
    Result<net::HttpResponse> last;
    // The remote answers once every result file is in storage: thousands of small files take
    // minutes, and a retry after a timeout would only start that over.
    Answer a = call("uploading the results",
                    [&] {
                      return client_->put_file(path("results?attempt=" + attempt), archive_file,
                                               "application/octet-stream", kResultsAnswerTimeout);
                    },
                    &last);
    if (a == Answer::gone) return say("the remote no longer wants this attempt's results");
    if (a != Answer::ok && !stopper_.stopped()) say("could not upload the results (" + describe(last) + ")");
  }
  json body{{"attempt", assignment_.attempt}, {"exit_code", end.exit_code}, {"signal", end.signal},
            {"reason", end.reason},       {"cpu_seconds", end.cpu_seconds}, {"wall_seconds", end.wall_seconds}};
  Result<net::HttpResponse> last;
  Answer a = call("reporting the end", [&] { return client_->post(path("finished"), body.dump()); }, &last);
  if (a == Answer::ok) say("reported" + std::string(packed ? ", with " + std::to_string(*packed) + " result file(s)" : ""));
  else if (a != Answer::gone && !stopper_.stopped()) say("could not report the end (" + describe(last) + ")");
}

}  // namespace lab::worker
