#include <doctest/doctest.h>
#include <lab/config/task_json.hpp>

using namespace lab::config;
using nlohmann::json;

namespace {

const TaskParseOptions kNoFiles{.project_dir = "/home/ann/mnist-demo", .check_files = false};

TaskSpec parsed(std::string_view toml) {
  auto r = parse_task(toml, "task.toml", kNoFiles);
  REQUIRE(r);
  return *r;
}

std::string all_errors(const json& j) {
  auto r = task_from_json(j, "spec");
  REQUIRE_FALSE(r);
  return format(r.error());
}

}  // namespace

TEST_CASE("task_to_json writes task.toml's keys and shapes") {
  TaskSpec t = parsed(R"(
name = "mnist"
priority = "high"
[resources]
gpus = 2
gpu_type = "a100"
memory = "1.5G"
time_limit = "1-02:03:04"
[files]
upload = ["a.bin", { local = "/scratch/big.npz", remote = "data/big.npz" }]
[run]
script = "train.py"
args = ["--epochs", "3"]
[run.env]
OMP_NUM_THREADS = "8"
)");
  json j = task_to_json(t);
  CHECK(j["name"] == "mnist");
  CHECK(j["priority"] == "high");
  CHECK(j["resources"]["memory"] == "1536M");
  CHECK(j["resources"]["time_limit"] == "1-02:03:04");
  CHECK(j["resources"]["gpu_type"] == "a100");
  CHECK(j["files"]["upload"][1] == json{{"local", "/scratch/big.npz"}, {"remote", "data/big.npz"}});
  CHECK(j["files"]["download"] == json{"outputs/"});
  CHECK(j["run"]["script"] == "train.py");
  CHECK(j["run"]["args"] == json{"--epochs", "3"});
  CHECK(j["run"]["env"]["OMP_NUM_THREADS"] == "8");
  CHECK_FALSE(j["run"].contains("command"));
  CHECK(task_to_json(parsed("[run]\ncommand = \"x\"\n"))["resources"]["memory"] == "8G");
  CHECK(task_to_json(parsed("[run]\ncommand = \"x\"\n"))["resources"]["time_limit"] == "1:00:00");
  CHECK(task_to_json(parsed("[run]\ncommand = \"x\"\n"))["priority"] == "default");
}

TEST_CASE("task_from_json(task_to_json(spec)) gives the spec back") {
  TaskSpec t = parsed(R"(
name = "mnist"
description = "a \"quoted\"\nline\tand tab"
priority = "high"
[resources]
gpus = 1
cpus = 3
memory = "1025K"
time_limit = "0:00:59"
[environment]
python = "3.11"
requirements = "req.txt"
extra_wheels = ["w/a-1.0-py3-none-any.whl"]
[files]
upload = [{ local = "/x/y", remote = "y" }]
exclude = ["*.ckpt"]
download = ["outputs/", "logs/*.txt"]
datasets = ["cifar10"]
[run]
workdir = "src"
command = "python train.py --lr 'a b' \\ end"
[run.env]
A_B = "1"
)");
  auto back = task_from_json(task_to_json(t), "spec");
  REQUIRE_MESSAGE(back, (back ? "" : format(back.error())));
  CHECK(back->name == t.name);
  CHECK(back->description == t.description);
  CHECK(back->priority == Priority::high);
  CHECK(back->resources.gpus == 1);
  CHECK(back->resources.cpus == 3);
  CHECK(back->resources.memory_bytes == 1025ull << 10);
  CHECK(back->resources.time_limit_seconds == 59);
  CHECK(back->environment.python == "3.11");
  CHECK(back->environment.requirements == "req.txt");
  CHECK(back->environment.extra_wheels == t.environment.extra_wheels);
  REQUIRE(back->files.upload.size() == 1);
  CHECK(back->files.upload[0].local == "/x/y");
  CHECK(back->files.upload[0].remote == "y");
  CHECK(back->files.exclude == t.files.exclude);
  CHECK(back->files.download == t.files.download);
  CHECK(back->files.datasets == t.files.datasets);
  CHECK(back->run.workdir == "src");
  CHECK(back->run.command == t.run.command);
  CHECK_FALSE(back->run.script);
  CHECK(back->run.env == t.run.env);
  // And a script task, whose args only travel with the script.
  TaskSpec s = parsed("[run]\nscript = \"t.py\"\nargs = [\"--x\", \"\"]\n");
  auto sb = task_from_json(task_to_json(s), "spec");
  REQUIRE(sb);
  CHECK(sb->run.script == "t.py");
  CHECK(sb->run.args == std::vector<std::string>{"--x", ""});
}

TEST_CASE("task_from_json applies task.toml's validation and names the field") {
  json j = task_to_json(parsed("[run]\ncommand = \"x\"\n"));
  j["resources"]["gpus"] = 65;
  std::string e = all_errors(j);
  CHECK(e == "spec: 'gpus' in [resources] must be between 0 and 64, got 65\n");

  j = task_to_json(parsed("[run]\ncommand = \"x\"\n"));
  j["resources"]["memory"] = "16Q";
  CHECK(all_errors(j).find("'memory' in [resources] is not a valid memory size") != std::string::npos);
  j["priority"] = "urgent";
  CHECK(all_errors(j).find("'priority' must be \"default\" or \"high\", got \"urgent\"") != std::string::npos);

  j = task_to_json(parsed("[run]\ncommand = \"x\"\n"));
  j["run"]["script"] = "t.py";  // both command and script
  CHECK(all_errors(j).find("[run] has both 'command' and 'script'") != std::string::npos);

  j = task_to_json(parsed("[run]\ncommand = \"x\"\n"));
  j["files"]["download"] = json{"../../etc"};
  CHECK(all_errors(j).find("'download' in [files]") != std::string::npos);
  j["resources"]["gpu"] = 1;
  CHECK(all_errors(j).find("unknown key 'gpu' in [resources] (did you mean 'gpus'?)") != std::string::npos);
}

TEST_CASE("task_from_json rejects what TOML cannot say and a missing name") {
  json j = task_to_json(parsed("[run]\ncommand = \"x\"\n"));
  j["description"] = nullptr;
  CHECK(all_errors(j) == "spec: 'description' is null; leave it out or give it a value\n");
  j = task_to_json(parsed("[run]\ncommand = \"x\"\n"));
  j.erase("name");
  CHECK(all_errors(j).find("missing required key 'name'") != std::string::npos);
  CHECK(all_errors(json::array()).find("must be a JSON object") != std::string::npos);
  CHECK(all_errors(json{{"name", "x"}}).find("[run]") != std::string::npos);
}
