// The agent's lease thread: register (again after "unknown_worker"), then long-poll for
// work while a slot is free, backing off in plain words while the remote cannot be reached.
#include "agent_impl.hpp"

#include <lab/build_info.hpp>

namespace lab::worker {
using nlohmann::json;

namespace {

// How much longer than the long-poll's own wait the client waits for the answer.
constexpr std::chrono::milliseconds kLeaseSlack{15'000};
// The protocol's ceiling on one long-poll.
constexpr std::chrono::milliseconds kMaxLeaseWait{30'000};

}  // namespace

void AgentImpl::trouble(const std::string& what, const Result<net::HttpResponse>& r, Backoff& backoff) {
  auto wait = backoff.next();
  std::string why;
  if (!r) {
    why = r.error().message;
    // "cannot reach http://h:p (...)" -> "cannot reach the remote at http://h:p (...)"
    if (why.starts_with("cannot reach ")) why.insert(13, "the remote at ");
    remote_down_ = true;
  } else if (r->status == 401 || r->status == 403) {
    why = "the remote at " + lease_client_->url() + " refused the worker token (" + net::error_text(*r) +
          "); check --token against the [workers] token of remote.toml";
  } else {
    why = what + " failed (" + describe(r) + ")";
  }
  say(why + "; retrying in " + say_wait(wait));
  stopper_.wait_for(wait);
}

bool AgentImpl::register_once(Backoff& backoff) {
  json body{{"name", options_.name}, {"hostname", machine_hostname()}, {"cpus", offered_.cpus},
            {"memory_bytes", offered_.memory_bytes}, {"gpus", offered_.gpus}, {"slots", offered_.slots},
            {"version", build::kVersion}};
  auto r = lease_client_->post("/worker/v1/register", body.dump());
  if (stopper_.stopped()) return false;
  if (classify(r, true) != Answer::ok) {
    trouble("registering", r, backoff);
    return false;
  }
  auto j = json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("worker_id") || !j["worker_id"].is_string() || j["worker_id"].get<std::string>().empty()) {
    say("the remote's answer to register has no worker_id; retrying");
    stopper_.wait_for(backoff.next());
    return false;
  }
  std::lock_guard lock(mu_);
  worker_id_ = j["worker_id"].get<std::string>();
  if (j.contains("heartbeat_ms") && j["heartbeat_ms"].is_number_integer() && j["heartbeat_ms"].get<std::int64_t>() > 0)
    heartbeat_ = std::chrono::milliseconds(j["heartbeat_ms"].get<std::int64_t>());
  say(std::string(remote_down_ ? "the remote answers again; " : "") + "registered with " + lease_client_->url() +
      " as " + worker_id_ + " (heartbeat every " + say_wait(heartbeat_) + ")");
  remote_down_ = false;
  backoff.reset();
  return true;
}

void AgentImpl::lease_loop() {
  Backoff backoff(options_.tuning.retry_first, options_.tuning.retry_max);
  while (!stopper_.stopped()) {
    reap();
    if (worker_id().empty()) {
      register_once(backoff);
      continue;
    }
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] {
        std::size_t busy = 0;
        for (const auto& [key, job] : jobs_) busy += job->done() ? 0 : 1;
        return stopper_.stopped() || busy < static_cast<std::size_t>(offered_.slots) || busy < jobs_.size();
      });
    }
    reap();
    if (!stopper_.stopped()) lease_once(backoff);
  }
}

void AgentImpl::lease_once(Backoff& backoff) {
  const std::string id = worker_id();
  std::vector<const Assignment*> running;
  Capacity free;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, job] : jobs_) running.push_back(&job->assignment());
    free = free_capacity(offered_, running);  // jobs_ only shrinks on this thread: the pointers stay valid
  }
  auto wait = std::min(options_.tuning.lease_wait, kMaxLeaseWait);
  json body{{"worker_id", id}, {"free", to_json(free)}, {"wait_ms", wait.count()}};
  auto r = lease_client_->post("/worker/v1/lease", body.dump(), wait + kLeaseSlack);
  if (stopper_.stopped()) return;
  Answer a = classify(r, true);
  if (a == Answer::unknown_worker) {
    say("the remote no longer knows this worker; registering again");
    forget_registration(id);
    return;
  }
  if (a != Answer::ok) return trouble("asking for work", r, backoff);
  if (remote_down_) say("the remote answers again");
  remote_down_ = false;
  backoff.reset();
  if (r->status == 204 || r->body.empty()) return;
  auto j = json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("assignment")) {
    say("the remote's answer to lease has no assignment; ignoring it");
    return;
  }
  launch(j["assignment"]);
}

void AgentImpl::launch(const json& j) {
  auto a = parse_assignment(j);
  if (!a) return say("ignoring an assignment: " + a.error().message);
  const std::string key = a->key();
  std::lock_guard lock(mu_);
  if (jobs_.count(key)) return;  // the same attempt again: it already runs here
  auto job = std::make_unique<TaskJob>(std::move(*a), jobs_context_, [this] {
    std::lock_guard l(mu_);
    cv_.notify_all();
  });
  if (auto started = job->start(); !started) return say("cannot start task " + key + ": " + started.error().message);
  say("task " + job->assignment().task_id + " (attempt " + std::to_string(job->assignment().attempt) + "): leased" +
      "");
  jobs_.emplace(key, std::move(job));
}

}  // namespace lab::worker
