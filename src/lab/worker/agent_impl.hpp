// The agent's state and threads, shared by agent.cpp (start, stop, heartbeats, jobs) and
// agent_lease.cpp (registration and the lease loop). Private to src/lab/worker.
#pragma once

#include "assignment.hpp"
#include "calls.hpp"
#include "task_job.hpp"

#include <lab/net/client.hpp>
#include <lab/worker/agent.hpp>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace lab::worker {

class AgentImpl final : public Agent {
 public:
  AgentImpl(Options options, Capacity offered, JobContext jobs);
  ~AgentImpl() override { stop(); }
  // Creates the clients and starts the lease and heartbeat threads.
  Result<void> begin();
  void stop() override;

 private:
  // agent_lease.cpp
  void lease_loop();
  // Registers; returns true on success, else says why and waits before returning false.
  bool register_once(Backoff& backoff);
  // One lease long-poll; starts the job it brings, if any.
  void lease_once(Backoff& backoff);
  void launch(const nlohmann::json& assignment);
  // Says why the remote did not answer, and waits the backoff.
  void trouble(const std::string& what, const Result<net::HttpResponse>& r, Backoff& backoff);

  // agent.cpp
  void heartbeat_loop();
  void reap();                                  // joins and drops finished jobs
  void forget_registration(const std::string& id);
  std::string worker_id() const;
  void say(const std::string& text) const;

  const Options options_;
  const Capacity offered_;
  JobContext jobs_context_;                     // set up by the constructor, then read-only
  std::unique_ptr<net::Client> lease_client_;   // lease thread only (interrupt() from stop)
  std::unique_ptr<net::Client> beat_client_;    // heartbeat thread only (interrupt() from stop)
  Stopper stopper_;
  std::once_flag stop_once_;
  mutable std::mutex mu_;
  std::condition_variable cv_;                  // a job ended, or stop()
  std::string worker_id_;                       // guarded by mu_; empty = not registered
  std::chrono::milliseconds heartbeat_;         // guarded by mu_
  bool remote_down_ = false;                    // lease thread only: said "cannot reach"
  std::map<std::string, std::unique_ptr<TaskJob>> jobs_;  // guarded by mu_; by Assignment::key()
  std::thread lease_thread_;
  std::thread beat_thread_;
};

}  // namespace lab::worker
