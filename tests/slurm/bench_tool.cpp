// Measurements for bench/slurm.sh through lab's Slurm client.
//   lab_slurm_bench latency DIR N        submit -> RUNNING, N times; prints one ms value a line
//   lab_slurm_bench throughput DIR N T   N held submissions from T threads; prints total ms
#include <lab/slurm/client.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace lab::slurm;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

JobRequest job(const fs::path& dir, const std::string& id, bool hold) {
  fs::create_directories(dir / id);
  JobRequest j;
  j.task_id = id;
  j.job_name = job_name_for("bench", id, 1);
  j.workdir = dir / id;
  j.command = hold ? "true" : "sleep 2";
  j.output_path = j.error_path = dir / id / "out.log";
  j.exit_code_path = dir / id / "exit_code";
  if (hold) j.extra_sbatch = {"--hold"};
  return j;
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: lab_slurm_bench latency|throughput DIR N [THREADS]\n");
    return 2;
  }
  std::string mode = argv[1];
  fs::path dir = argv[2];
  int n = std::atoi(argv[3]);
  auto runner = make_process_runner();
  Client client(Tools{}, *runner);
  if (mode == "latency") {
    for (int i = 0; i < n; ++i) {
      auto j = job(dir, "lat" + std::to_string(i), false);
      auto t0 = Clock::now();
      auto s = client.submit(j, j.workdir / "job.sh");
      if (!s || s->outcome != Submission::Outcome::submitted) return 1;
      std::vector<std::string> ids{s->job_id};
      while (true) {
        auto r = client.poll(ids);
        if (r && r->count(s->job_id) && r->at(s->job_id).state != JobState::pending) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      std::printf("%.1f\n", ms_since(t0));
      client.cancel(s->job_id);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return 0;
  }
  int threads = argc > 4 ? std::atoi(argv[4]) : 4;
  std::vector<JobRequest> jobs;
  for (int i = 0; i < n; ++i) jobs.push_back(job(dir, "thr" + std::to_string(i), true));
  std::atomic<int> next{0}, failed{0};
  auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i; (i = next++) < n;) {
        auto s = client.submit(jobs[i], jobs[i].workdir / "job.sh");
        if (!s || s->outcome != Submission::Outcome::submitted) ++failed;
      }
    });
  for (auto& th : pool) th.join();
  std::printf("%.1f\n", ms_since(t0));
  return failed ? 1 : 0;
}
