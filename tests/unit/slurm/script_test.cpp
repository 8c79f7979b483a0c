#include <doctest/doctest.h>

#include <lab/slurm/script.hpp>
#include <lab/sys/process.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using namespace lab::slurm;

namespace {

JobRequest sample(const fs::path& dir) {
  JobRequest j;
  j.task_id = "t-42";
  j.job_name = job_name_for("lab", "t-42", 1);
  j.cpus = 2;
  j.memory_bytes = 1536ull << 20;
  j.time_limit_s = 3600 + 61;
  j.workdir = dir;
  j.command = "echo hi";
  j.output_path = dir / "out.log";
  j.error_path = dir / "err.log";
  j.exit_code_path = dir / "exit_code";
  return j;
}

fs::path temp_dir(const std::string& tag) {
  auto d = fs::temp_directory_path() / ("lab-slurm-" + tag + "-" + std::to_string(std::random_device{}()));
  fs::create_directories(d);
  return d;
}

// Runs the script with bash as Slurm would (the #SBATCH lines are comments to bash).
int run_script(const std::string& script, const fs::path& dir, std::string* out = nullptr) {
  auto path = dir / "job.sh";
  std::ofstream(path) << script;
  std::string captured;
  lab::sys::ProcessSpec spec;
  spec.argv = {"/bin/bash", path.string()};
  spec.cwd = dir;
  auto p = lab::sys::Process::spawn(spec,
                                    [&](lab::sys::Stream, std::string_view line, std::int64_t) {
                                      captured.append(line);
                                      captured.push_back('\n');
                                    });
  REQUIRE(p.has_value());
  auto st = (*p)->wait();
  if (out) *out = captured;
  return st->shell_code();
}

}  // namespace

TEST_CASE("the batch script carries the resources, files and environment") {
  auto j = sample("/srv/tasks/t-42");
  j.gpus = 2;
  j.partition = "gpu";
  j.qos = "normal";
  j.account = "ai101";
  j.extra_sbatch = {"--exclusive"};
  auto s = render_batch_script(j);
  REQUIRE(s.has_value());
  CHECK(s->starts_with("#!/bin/bash\n"));
  CHECK(s->find("#SBATCH --job-name=lab-t-42-1\n") != std::string::npos);
  CHECK(s->find("#SBATCH --cpus-per-task=2\n") != std::string::npos);
  CHECK(s->find("#SBATCH --mem=1536M\n") != std::string::npos);
  CHECK(s->find("#SBATCH --time=1:01:01\n") != std::string::npos);
  CHECK(s->find("#SBATCH --gres=gpu:2\n") != std::string::npos);
  CHECK(s->find("#SBATCH --partition=gpu\n") != std::string::npos);
  CHECK(s->find("#SBATCH --qos=normal\n") != std::string::npos);
  CHECK(s->find("#SBATCH --account=ai101\n") != std::string::npos);
  CHECK(s->find("#SBATCH --exclusive\n") != std::string::npos);
  CHECK(s->find("#SBATCH --output=\"/srv/tasks/t-42/out.log\"\n") != std::string::npos);
  CHECK(s->find("#SBATCH --error=\"/srv/tasks/t-42/err.log\"\n") != std::string::npos);
  CHECK(s->find("export PYTHONUNBUFFERED=1\n") != std::string::npos);
}

TEST_CASE("no --gres line without GPUs, and no --mem or --time when not asked") {
  auto j = sample("/x");
  j.memory_bytes = 0;
  j.time_limit_s = 0;
  auto s = render_batch_script(j);
  REQUIRE(s.has_value());
  CHECK(s->find("--gres") == std::string::npos);
  CHECK(s->find("--mem") == std::string::npos);
  CHECK(s->find("--time") == std::string::npos);
  CHECK(s->find("--partition") == std::string::npos);
}

TEST_CASE("memory is rounded up to whole MiB") {
  auto j = sample("/x");
  j.memory_bytes = (1ull << 20) + 1;
  CHECK(render_batch_script(j)->find("--mem=2M\n") != std::string::npos);
}

TEST_CASE("values that cannot sit in an #SBATCH line are refused, naming the field") {
  auto j = sample("/x");
  j.partition = "gpu\n#SBATCH --qos=vip";
  auto s = render_batch_script(j);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == lab::Errc::invalid_argument);
  CHECK(s.error().message.find("--partition") != std::string::npos);
  j = sample("/x");
  j.output_path = "/x/out%j.log";
  CHECK_FALSE(render_batch_script(j).has_value());
  j = sample("/x");
  j.env["BAD NAME"] = "1";
  CHECK(render_batch_script(j).error().message.find("BAD NAME") != std::string::npos);
  j = sample("/x");
  j.command.clear();
  CHECK_FALSE(render_batch_script(j).has_value());
}

TEST_CASE("job names keep only safe characters and carry the attempt") {
  CHECK(job_name_for("lab", "t 1;rm -rf /", 3) == "lab-t_1_rm_-rf__-3");
  CHECK(job_name_for("lab", "abc", 1) != job_name_for("lab", "abc", 2));
}

TEST_CASE("hostile commands, names and env values reach the task unchanged") {
  auto dir = temp_dir("hostile");
  auto j = sample(dir);
  std::string evil = "it's \"$(touch pwned1)\" `touch pwned2` $HOME\nline2 \\ ; touch pwned3";
  j.name = evil;
  j.task_id = "t\n$(touch pwned4)";
  j.env["EVIL"] = evil;
  j.command = "printf '%s\\n' \"$EVIL\"; echo \"arg:$1\"; exit 3";
  auto s = render_batch_script(j);
  REQUIRE(s.has_value());
  std::string out;
  CHECK(run_script(*s, dir, &out) == 3);
  CHECK(out == evil + "\narg:\n");
  for (const char* f : {"pwned1", "pwned2", "pwned3", "pwned4"}) CHECK_FALSE(fs::exists(dir / f));
  CHECK(read_exit_code_file(j.exit_code_path) == 3);
  fs::remove_all(dir);
}

TEST_CASE("the start marker is created before the command runs, and only when asked for") {
  auto dir = temp_dir("marker");
  auto j = sample(dir);
  j.started_path = dir / "it's started";
  j.command = "test -e \"$MARK\" && echo marker-first";
  j.env["MARK"] = j.started_path.string();
  std::string out;
  CHECK(run_script(*render_batch_script(j), dir, &out) == 0);
  CHECK(out == "marker-first\n");
  CHECK(fs::exists(j.started_path));
  j.started_path.clear();
  CHECK(render_batch_script(j)->find(": > ") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("the command runs in the working directory with PYTHONUNBUFFERED and its code recorded") {
  auto dir = temp_dir("wd");
  fs::create_directories(dir / "sub dir");
  auto j = sample(dir / "sub dir");
  j.exit_code_path = dir / "code";
  j.command = "pwd; echo \"$PYTHONUNBUFFERED\"";
  std::string out;
  CHECK(run_script(*render_batch_script(j), dir, &out) == 0);
  CHECK(out == (dir / "sub dir").string() + "\n1\n");
  CHECK(read_exit_code_file(dir / "code") == 0);
  j.workdir = dir / "missing";
  CHECK(run_script(*render_batch_script(j), dir) == 1);
  CHECK(read_exit_code_file(dir / "code") == 1);
  fs::remove_all(dir);
}

TEST_CASE("shell_quote survives single quotes") {
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("") == "''");
}

TEST_CASE("read_exit_code_file ignores missing and garbage files") {
  auto dir = temp_dir("code");
  CHECK_FALSE(read_exit_code_file(dir / "none").has_value());
  std::ofstream(dir / "bad") << "x3\n";
  CHECK_FALSE(read_exit_code_file(dir / "bad").has_value());
  std::ofstream(dir / "ok") << "137\n";
  CHECK(read_exit_code_file(dir / "ok") == 137);
  fs::remove_all(dir);
}
