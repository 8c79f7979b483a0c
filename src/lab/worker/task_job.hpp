// One assignment on this worker, on its own thread: download and unpack the task's files
// into <work_dir>/<task_id>-<attempt>/, link its datasets from the machine's cache, run the command (TaskRunner), stream its log, upload
// the results, report the end, and always remove the folder. Private to src/lab/worker.
#pragma once

#include "assignment.hpp"
#include "calls.hpp"
#include "log_shipper.hpp"

#include <lab/datasets/cache.hpp>
#include <lab/net/client.hpp>
#include <lab/worker/agent.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace lab::worker {

class TaskRunner;

// What every job of one agent shares.
struct JobContext {
  net::ClientOptions client;                         // the remote's URL and token
  std::filesystem::path work_dir;                    // task folders are made here
  Tuning tuning;
  std::function<void(const std::string&)> say;       // the agent's log
  std::shared_ptr<class WorkerEnvs> envs;            // Python environments under <work_dir>/envs (task_env.hpp)
  std::shared_ptr<datasets::Cache> datasets;         // the machine's dataset cache ([worker] datasets_dir)
};

// Thread-safety: every public method may be called from any thread.
class TaskJob {
 public:
  // `on_done` runs on the job's thread as its very last step (the folder is gone by then).
  TaskJob(Assignment assignment, JobContext context, std::function<void()> on_done);
  // Abandons the job if it still runs, and waits for its thread.
  ~TaskJob();

  // Fails (Errc::invalid_argument) only for a malformed remote URL; nothing is started then.
  Result<void> start();
  // The remote asked to stop this attempt: the command gets TERM (KILL after the grace
  // period) and the end is reported with the reason "cancelled".
  void cancel();
  // The worker is stopping: kill the command, report nothing more, clean up.
  void abandon();
  bool done() const { return done_; }
  void join();
  const Assignment& assignment() const { return assignment_; }

 private:
  // What run() learned about the command's end, for `finished`.
  struct Ending {
    int exit_code = -1;
    int signal = 0;
    std::string reason;
    double cpu_seconds = 0;
    double wall_seconds = 0;
  };

  void run();
  // Fetches and unpacks the bundle; on failure returns why, in words ("" = ready, or gone_).
  std::string fetch_files(const std::filesystem::path& folder);
  // task_data.cpp: brings each dataset of the assignment into the machine's dataset cache
  // (once per machine) and links it at datasets/<name>; "" = ready (or gone_), else why not.
  std::string fetch_datasets(const std::filesystem::path& folder);
  // Runs the command, streaming its lines to `log`; the `started` call goes first on the
  // log's thread.
  // `env` adds the variables of the task's Python environment; `shipping` says the log
  // shipper already runs (it was started early to stream an environment build), so the
  // `started` call is made here.
  Ending run_command(const std::filesystem::path& folder, class LogShipper& log,
                     const std::map<std::string, std::string>& env, bool shipping);
  // Uploads the results and posts `finished`.
  void report(const std::filesystem::path& folder, const Ending& end);
  // Repeats `call` while the remote cannot be reached (and a few times on 5xx), until an
  // answer, or the job is abandoned (then Answer::retry).
  Answer call(const std::string& what, const std::function<Result<net::HttpResponse>()>& call,
              Result<net::HttpResponse>* last = nullptr);
  void note(const std::string& text);  // a "lab" line in the task's log
  void say(const std::string& text);   // a line in the agent's log, naming the task
  std::string path(const std::string& tail) const;  // "/worker/v1/tasks/<id>/<tail>"
  // Posts a batch of the attempt's log ("logs") or metrics ("metrics") bytes.
  PostBatch poster(const std::string& tail);
  ShipperOptions shipper_options() const;

  const Assignment assignment_;
  const JobContext context_;
  std::function<void()> on_done_;
  std::unique_ptr<net::Client> client_;  // used by the job's thread; interrupt() from others
  Stopper stopper_;                      // raised by abandon()
  std::atomic<bool> done_{false};
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> gone_{false};        // the remote answered 409/404: not our attempt any more
  std::mutex mu_;
  TaskRunner* runner_ = nullptr;         // guarded by mu_; set while the command runs
  LogShipper* log_ = nullptr;            // guarded by mu_; set while the job runs
  std::thread thread_;
};

}  // namespace lab::worker
