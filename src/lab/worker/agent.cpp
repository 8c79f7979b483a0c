#include "agent_impl.hpp"
#include "task_env.hpp"

#include <lab/util/strings.hpp>

#include <cstdio>
#include <vector>

namespace lab::worker {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The deregister call at stop waits at most this long: stopping must not hang on a dead remote.
constexpr std::chrono::milliseconds kDeregisterTimeout{3000};

std::string describe_offer(const Capacity& c) {
  std::string gpus;
  for (int g : c.gpus) gpus += (gpus.empty() ? "" : ",") + std::to_string(g);
  return std::to_string(c.cpus) + " CPU" + (c.cpus == 1 ? "" : "s") + ", " + util::human_bytes(c.memory_bytes) +
         " memory, " + (gpus.empty() ? "no GPUs" : "GPUs " + gpus) + ", " + std::to_string(c.slots) + " slot" +
         (c.slots == 1 ? "" : "s");
}

}  // namespace

AgentImpl::AgentImpl(Options options, Capacity offered, JobContext jobs)
    : options_(std::move(options)), offered_(std::move(offered)), jobs_context_(std::move(jobs)),
      heartbeat_(options_.tuning.heartbeat_fallback) {
  jobs_context_.say = [this](const std::string& text) { say(text); };
}

void AgentImpl::say(const std::string& text) const {
  if (options_.log) options_.log(text);
  else std::fprintf(stderr, "lab worker: %s\n", text.c_str());
}

Result<void> AgentImpl::begin() {
  auto lease = net::Client::create(jobs_context_.client);
  if (!lease) return std::unexpected(lease.error());
  auto beat = net::Client::create(jobs_context_.client);
  if (!beat) return std::unexpected(beat.error());
  lease_client_ = std::move(*lease);
  beat_client_ = std::move(*beat);
  say("worker '" + options_.name + "' offers " + describe_offer(offered_) + "; task folders go to " +
      jobs_context_.work_dir.string() + "; remote " + net::redact_url(options_.config.remote));
  lease_thread_ = std::thread([this] { lease_loop(); });
  beat_thread_ = std::thread([this] { heartbeat_loop(); });
  return {};
}

std::string AgentImpl::worker_id() const {
  std::lock_guard lock(mu_);
  return worker_id_;
}

void AgentImpl::forget_registration(const std::string& id) {
  std::lock_guard lock(mu_);
  if (worker_id_ == id) worker_id_.clear();
}

void AgentImpl::reap() {
  std::vector<std::unique_ptr<TaskJob>> ended;
  {
    std::lock_guard lock(mu_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->second->done()) {
        ended.push_back(std::move(it->second));
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& job : ended) job->join();
}

void AgentImpl::heartbeat_loop() {
  bool failing = false;
  while (true) {
    std::chrono::milliseconds period;
    {
      std::lock_guard lock(mu_);
      period = heartbeat_;
    }
    if (stopper_.wait_for(period)) return;
    const std::string id = worker_id();
    if (id.empty()) continue;
    json running = json::array();
    {
      std::lock_guard lock(mu_);
      for (const auto& [key, job] : jobs_)
        if (!job->done()) running.push_back({{"task_id", job->assignment().task_id}, {"attempt", job->assignment().attempt}});
    }
    json body{{"worker_id", id}, {"running", running}};
    auto r = beat_client_->post("/worker/v1/heartbeat", body.dump(), std::max(period, std::chrono::milliseconds(10'000)));
    if (stopper_.stopped()) return;
    Answer a = classify(r, true);
    if (a == Answer::unknown_worker) {
      say("the remote no longer knows this worker (heartbeat); registering again");
      forget_registration(id);
      continue;
    }
    if (a != Answer::ok) {
      if (!failing && a != Answer::retry) say("heartbeat refused (" + describe(r) + ")");
      failing = true;
      continue;
    }
    failing = false;
    auto j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains("cancel") || !j["cancel"].is_array()) continue;
    std::lock_guard lock(mu_);
    for (const auto& c : j["cancel"]) {
      if (!c.is_object() || !c.contains("task_id") || !c["task_id"].is_string() || !c.contains("attempt") ||
          !c["attempt"].is_number_integer())
        continue;
      std::string key = c["task_id"].get<std::string>() + "-" + std::to_string(c["attempt"].get<std::int64_t>());
      auto it = jobs_.find(key);
      if (it == jobs_.end() || it->second->done()) continue;
      say("the remote cancelled task " + it->second->assignment().task_id + "; stopping it");
      it->second->cancel();
    }
  }
}

void AgentImpl::stop() {
  std::call_once(stop_once_, [this] {
    stopper_.stop();
    {
      std::lock_guard lock(mu_);
      cv_.notify_all();
    }
    if (lease_client_) lease_client_->interrupt();
    if (beat_client_) beat_client_->interrupt();
    if (lease_thread_.joinable()) lease_thread_.join();
    if (beat_thread_.joinable()) beat_thread_.join();
    std::map<std::string, std::unique_ptr<TaskJob>> jobs;
    {
      std::lock_guard lock(mu_);
      jobs.swap(jobs_);
    }
    if (!jobs.empty()) say("stopping " + std::to_string(jobs.size()) + " running task(s)");
    for (auto& [key, job] : jobs) job->abandon();
    for (auto& [key, job] : jobs) job->join();
    const std::string id = worker_id();
    if (id.empty()) return;
    net::ClientOptions o = jobs_context_.client;
    o.connect_timeout = o.read_timeout = o.write_timeout = kDeregisterTimeout;
    auto client = net::Client::create(o);
    if (!client) return;
    auto r = (*client)->post("/worker/v1/deregister", json{{"worker_id", id}}.dump());
    if (classify(r, true) == Answer::ok) say("deregistered from the remote");
    else say("could not deregister (" + describe(r) + "); the remote will notice this worker is gone when its lease ends");
  });
}

Result<std::unique_ptr<Agent>> start(const Options& options) {
  const config::WorkerConfig& c = options.config;
  if (c.token.empty())
    return fail(Errc::invalid_argument,
                "the worker needs the remote's workers token (the [workers] token of remote.toml); none was given");
  if (c.slots < 1) return fail(Errc::invalid_argument, "slots must be at least 1, got " + std::to_string(c.slots));
  Options o = options;
  if (o.name.empty()) o.name = machine_hostname();
  Capacity offered{c.slots, c.cpus > 0 ? c.cpus : machine_cpus(),
                   c.memory_bytes > 0 ? c.memory_bytes : machine_memory_bytes(), c.gpus};
  JobContext jobs;
  jobs.client.url = c.remote;
  jobs.client.token = c.token;
  jobs.tuning = options.tuning;
  std::error_code ec;
  fs::path work = fs::absolute(c.work_dir.empty() ? fs::path("work") : fs::path(c.work_dir), ec);
  fs::create_directories(work, ec);
  if (ec || !fs::is_directory(work))
    return fail(Errc::io, "cannot create the work folder " + work.string() + (ec ? ": " + ec.message() : "") +
                              "; set work_dir in worker.toml or pass --work-dir");
  jobs.work_dir = work.lexically_normal();
  jobs.envs = std::make_shared<WorkerEnvs>(jobs.work_dir / "envs");
  jobs.datasets = std::make_shared<datasets::Cache>(c.datasets_dir.empty() ? jobs.work_dir / "datasets" : fs::path(c.datasets_dir));
  auto impl = std::make_unique<AgentImpl>(std::move(o), std::move(offered), std::move(jobs));
  if (auto r = impl->begin(); !r) return std::unexpected(r.error());
  return std::unique_ptr<Agent>(std::move(impl));
}

}  // namespace lab::worker
