#include <doctest/doctest.h>
#include <lab/config/task.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace lab::config;
namespace fs = std::filesystem;

namespace {

const TaskParseOptions kNoFiles{.project_dir = "/home/ann/mnist-demo", .check_files = false};

std::vector<Diagnostic> errors_of(std::string_view text, const TaskParseOptions& opt = kNoFiles) {
  auto r = parse_task(text, "task.toml", opt);
  REQUIRE_FALSE(r);
  return r.error();
}

// The one error at line:column, whose message must contain `says`.
void expect_error(const std::vector<Diagnostic>& errs, int line, int column, std::string_view says) {
  for (const auto& d : errs)
    if (d.line == line && d.column == column && d.message.find(says) != std::string::npos) return;
  std::string all;
  for (const auto& d : errs) all += d.str() + "\n";
  FAIL_CHECK("no error at " << line << ":" << column << " saying [" << says << "]; got:\n" << all);
}

struct TempProject {
  fs::path dir = fs::temp_directory_path() / ("lab-task-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  static inline int counter = 0;
  TempProject() { fs::create_directories(dir); }
  ~TempProject() { fs::remove_all(dir); }
  void touch(const std::string& rel) {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << "x";
  }
};

}  // namespace

TEST_CASE("a full task.toml lands in TaskSpec") {
  auto r = parse_task(R"(
name = "mnist"
description = "small convnet"
priority = "high"

[resources]
gpus = 2
gpu_type = "a100"
cpus = 8
memory = "1.5G"
time_limit = "1-02:03:04"

[environment]
python = "3.11"
requirements = "requirements.txt"
extra_wheels = ["wheels/a-1.0-py3-none-any.whl"]

[files]
upload = ["data/train.bin", { local = "/scratch/big.npz", remote = "data/big.npz" }]
exclude = ["*.ckpt"]
download = ["outputs/", "logs/*.txt"]
datasets = ["cifar10"]

[run]
workdir = "src"
script = "train.py"
args = ["--epochs", "3"]

[run.env]
OMP_NUM_THREADS = "8"
)", "task.toml", kNoFiles);
  REQUIRE(r);
  const TaskSpec& t = *r;
  CHECK(t.name == "mnist");
  CHECK(t.description == "small convnet");
  CHECK(t.priority == Priority::high);
  CHECK(t.resources.gpus == 2);
  CHECK(t.resources.gpu_type == "a100");
  CHECK(t.resources.cpus == 8);
  CHECK(t.resources.memory_bytes == 1536ull << 20);
  CHECK(t.resources.time_limit_seconds == 86400 + 2 * 3600 + 3 * 60 + 4);
  CHECK(t.environment.python == "3.11");
  CHECK(t.environment.requirements == "requirements.txt");
  CHECK(t.environment.extra_wheels == std::vector<std::string>{"wheels/a-1.0-py3-none-any.whl"});
  REQUIRE(t.files.upload.size() == 2);
  CHECK(t.files.upload[0].local == "data/train.bin");
  CHECK(t.files.upload[0].remote == "data/train.bin");
  CHECK(t.files.upload[1].local == "/scratch/big.npz");
  CHECK(t.files.upload[1].remote == "data/big.npz");
  CHECK(t.files.exclude == std::vector<std::string>{"*.ckpt"});
  CHECK(t.files.download == std::vector<std::string>{"outputs/", "logs/*.txt"});
  CHECK(t.files.datasets == std::vector<std::string>{"cifar10"});
  CHECK(t.run.workdir == "src");
  CHECK(t.run.script == "train.py");
  CHECK_FALSE(t.run.command);
  CHECK(t.run.args == std::vector<std::string>{"--epochs", "3"});
  CHECK(t.run.env == std::map<std::string, std::string>{{"OMP_NUM_THREADS", "8"}});
}

TEST_CASE("a minimal task.toml gets the documented defaults") {
  auto r = parse_task("[run]\ncommand = \"python train.py\"\n", "task.toml", kNoFiles);
  REQUIRE(r);
  CHECK(r->name == "mnist-demo");  // the project folder's name
  CHECK(r->priority == Priority::normal);
  CHECK(r->resources.gpus == 0);
  CHECK(r->resources.cpus == 1);
  CHECK(r->resources.memory_bytes == 8ull << 30);
  CHECK(r->resources.time_limit_seconds == 3600);
  CHECK(r->files.download == std::vector<std::string>{"outputs/"});
  CHECK(r->run.workdir == ".");
  CHECK(r->run.command == "python train.py");
  // Integers mean MiB and minutes, as in Slurm.
  auto ints = parse_task("[resources]\nmemory = 2048\ntime_limit = 90\n[run]\ncommand = \"x\"\n", "task.toml", kNoFiles);
  REQUIRE(ints);
  CHECK(ints->resources.memory_bytes == 2048ull << 20);
  CHECK(ints->resources.time_limit_seconds == 90 * 60);
}

TEST_CASE("misspelt keys and tables point at their line and column with a suggestion") {
  auto errs = errors_of("name = \"x\"\nprioity = \"high\"\n\n[resources]\ncpus = 2\n\ngpu = 1\n[enviroment]\npython = \"3.11\"\n[run]\ncommand = \"x\"\n");
  expect_error(errs, 2, 1, "unknown key 'prioity' at the top level (did you mean 'priority'?)");
  expect_error(errs, 7, 1, "unknown key 'gpu' in [resources] (did you mean 'gpus'?)");
  expect_error(errs, 8, 1, "unknown table [enviroment] (did you mean [environment]?)");
  CHECK(errs.size() == 3);
  CHECK(errs[1].str() == "task.toml:7:1: unknown key 'gpu' in [resources] (did you mean 'gpus'?)");
}

TEST_CASE("a key in the wrong table says where it belongs") {
  auto errs = errors_of("[run]\ncommand = \"x\"\npriority = \"high\"\ngpus = 1\n");
  expect_error(errs, 3, 1, "'priority' is a top-level key: move it above the first [table] line");
  expect_error(errs, 4, 1, "'gpus' belongs in [resources]");
}

TEST_CASE("an unknown key far from every name lists the valid ones") {
  auto errs = errors_of("[resources]\nbananas = 3\n[zzz]\n[run]\ncommand = \"x\"\n");
  expect_error(errs, 2, 1, "the keys in [resources] are gpus, gpu_type, cpus, memory, time_limit");
  expect_error(errs, 3, 1, "the tables are [resources], [environment], [files], [run]");
}

TEST_CASE("every field rejects a bad value, naming key and reason") {
  struct Row { const char* toml; int line; int col; const char* says; };
  const Row rows[] = {
      {"name = \"\"", 1, 8, "'name' must not be empty"},
      {"name = \"a/b\"", 1, 8, "'name' must not contain '/'"},
      {"name = 5", 1, 8, "'name' must be a string, got an integer; put it in quotes: name = \"5\""},
      {"description = [1]", 1, 15, "'description' must be a string, got a list"},
      {"priority = \"urgent\"", 1, 12, "'priority' must be \"default\" or \"high\", got \"urgent\""},
      {"[resources]\ngpus = -1", 2, 8, "'gpus' in [resources] must be between 0 and 64, got -1"},
      {"[resources]\ngpus = 1.5", 2, 8, "'gpus' in [resources] must be a whole number, got 1.5"},
      {"[resources]\ngpus = \"2\"", 2, 8, "must be an integer, got a string; remove the quotes: gpus = 2"},
      {"[resources]\ngpus = 1\ngpu_type = \"a 100\"", 3, 12, "'gpu_type' in [resources] may use only letters"},
      {"[resources]\ncpus = 0", 2, 8, "'cpus' in [resources] must be between 1 and 256, got 0"},
      {"[resources]\nmemory = \"lots\"", 2, 10, "'memory' in [resources] is not a valid memory size: \"lots\" does not start with a number"},
      {"[resources]\nmemory = true", 2, 10, "'memory' in [resources] must be a size like \"16G\", got true/false"},
      {"[resources]\ntime_limit = \"4:70:00\"", 2, 14, "'time_limit' in [resources] is not a valid time limit: \"4:70:00\" has 70 minutes"},
      {"[resources]\ntime_limit = 0", 2, 14, "is not a valid time limit: a time limit must be more than zero minutes"},
      {"[environment]\npython = \"python3\"", 2, 10, "'python' in [environment] must be a Python version like \"3.11\""},
      {"[environment]\npython = \"2.7\"", 2, 10, "must be a Python 3 version"},
      {"[environment]\nrequirements = \"../req.txt\"", 2, 16, "must stay inside the project folder"},
      {"[environment]\nextra_wheels = [\"a.tar.gz\"]", 2, 16, "item 1 must be a wheel file ending in \".whl\""},
      {"[environment]\nextra_wheels = [\"a.whl\", 3]", 2, 26, "must be a list of strings, but item 2 is an integer"},
      {"[files]\nupload = [3]", 2, 11, "item 1 must be a path or a table"},
      {"[files]\nupload = [{ remote = \"x\" }]", 2, 11, "item 1 needs 'local'"},
      {"[files]\nupload = [{ local = \"a\", remote = \"/abs\" }]", 2, 10, "item 1: 'remote' must be a path inside the project folder"},
      {"[files]\ndownload = [\"../up\"]", 2, 12, "'download' in [files] item 1 must stay inside the project folder"},
      {"[files]\ndatasets = [\"my data\"]", 2, 12, "'datasets' in [files] item 1 may use only letters"},
      {"[files]\ndatasets = [\"ok\", \"..\"]", 2, 12, "'datasets' in [files] item 2 must start with a letter or a digit"},
      {"[files]\ndatasets = [\"mnist\", \"mnist\"]", 2, 12, "'datasets' in [files] names the dataset \"mnist\" twice"},
      {"[run]\ncommand = \"\"", 2, 11, "'command' in [run] must not be empty"},
      {"[run]\nscript = \"/usr/bin/python\"", 2, 10, "'script' in [run] must be a path inside the project folder"},
      {"[run]\nworkdir = \"..\"", 2, 11, "'workdir' in [run] must stay inside the project folder"},
      {"[run]\nenv = { \"1X\" = \"a\" }", 2, 7, "'env' in [run] has '1X', which is not a valid environment variable name"},
      {"[run]\nenv = \"A=1\"", 2, 7, "'env' in [run] must be a table of strings, got a string"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.toml);
    std::string text = std::string(r.toml) + "\n";
    if (std::string_view(r.toml).find("[run]") == std::string_view::npos) text += "[run]\ncommand = \"x\"\n";
    else if (std::string_view(r.toml).find("command") == std::string_view::npos &&
             std::string_view(r.toml).find("script") == std::string_view::npos)
      text += "command = \"x\"\n";
    expect_error(errors_of(text), r.line, r.col, r.says);
  }
}

TEST_CASE("all problems are reported at once, in file order") {
  auto errs = errors_of("[resources]\ngpus = \"two\"\ncpus = 0\nmemory = \"4Q\"\n[run]\n");
  REQUIRE(errs.size() == 4);
  CHECK(errs[0].line == 2);
  CHECK(errs[1].line == 3);
  CHECK(errs[2].line == 4);
  CHECK(errs[3].line == 5);  // [run] without command or script
  CHECK(errs[3].message.find("[run] needs 'command' or 'script'") != std::string::npos);
}

TEST_CASE("command and script: exactly one") {
  auto both = errors_of("[run]\ncommand = \"python a.py\"\nscript = \"a.py\"\n");
  expect_error(both, 3, 10, "[run] has both 'command' and 'script'; keep one");
  auto neither = errors_of("[run]\nworkdir = \"src\"\n");
  expect_error(neither, 1, 1, "[run] needs 'command' or 'script'");
  auto no_run = errors_of("name = \"x\"\n");
  expect_error(no_run, 1, 1, "missing table [run]");
  auto array = errors_of("[[run]]\ncommand = \"x\"\n");
  REQUIRE(array.size() == 1);
  expect_error(array, 1, 3, "'run' must be a table, got a list");
  auto args = errors_of("[run]\ncommand = \"python a.py\"\nargs = [\"-v\"]\n");
  expect_error(args, 3, 8, "'args' in [run] goes with 'script'");
}

TEST_CASE("TOML syntax errors name the spot in plain words") {
  struct Row { const char* toml; int line; int col; const char* says; };
  const Row rows[] = {
      {"name = my-task", 1, 8, "text must be in double quotes: name = \"my-task\""},
      {"[resources]\nmemory = 16G", 2, 10, "the value of 'memory' is not a valid TOML number; if it is text, quote it: memory = \"16G\""},
      {"[resources]\ntime_limit = 4:00:00", 2, 14, "quote it: time_limit = \"4:00:00\""},
      {"[run]\ncommand = \"x\"\n[run]\nscript = \"y\"", 3, 1, "[run] appears twice"},
      {"name = \"a\"\nname = \"b\"", 2, 8, "'name' is set twice"},
      {"name = \"unterminated", 1, 21, "a string is not closed"},
      {"[run\ncommand = \"x\"", 1, 5, "invalid table header"},
      {"[resources]\ngpus =\n[run]\ncommand = \"x\"", 2, 7, "'gpus' has no value; write one after the '='"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.toml);
    auto errs = errors_of(r.toml);
    REQUIRE(errs.size() == 1);
    expect_error(errs, r.line, r.col, r.says);
  }
}

TEST_CASE("files named by the task must exist when checked") {
  TempProject p;
  p.touch("src/train.py");
  p.touch("requirements.txt");
  TaskParseOptions opt{.project_dir = p.dir, .check_files = true};
  CHECK(parse_task("[run]\nworkdir = \"src\"\nscript = \"train.py\"\n[environment]\nrequirements = \"requirements.txt\"\n", "task.toml", opt));
  auto errs = errors_of("[environment]\nrequirements = \"reqs.txt\"\nextra_wheels = [\"w/x.whl\"]\n[run]\nscript = \"train.py\"\n", opt);
  expect_error(errs, 2, 16, "'requirements' in [environment] names \"reqs.txt\", but there is no such file");
  expect_error(errs, 3, 16, "'extra_wheels' in [environment] names \"w/x.whl\", but there is no such file");
  expect_error(errs, 5, 10, "'script' in [run] names \"train.py\", but there is no such file");
  auto dir = errors_of("[run]\nworkdir = \"nope\"\ncommand = \"x\"\n", opt);
  expect_error(dir, 2, 11, "'workdir' in [run] names \"nope\", but there is no such folder");
}

TEST_CASE("load_task reads a file and names it in errors") {
  TempProject p;
  std::ofstream(p.dir / "task.toml") << "[run]\ncommand = \"x\"\n[resources]\ngpu = 1\n";
  auto r = load_task(p.dir / "task.toml");
  REQUIRE_FALSE(r);
  CHECK(r.error()[0].str() == (p.dir / "task.toml").string() + ":4:1: unknown key 'gpu' in [resources] (did you mean 'gpus'?)");
  auto missing = load_task(p.dir / "nope.toml");
  REQUIRE_FALSE(missing);
  CHECK(to_error(missing.error()).code == lab::Errc::not_found);
  std::ofstream(p.dir / "task.toml") << "[run]\ncommand = \"x\"\n";
  auto ok = load_task(p.dir / "task.toml");
  REQUIRE(ok);
  CHECK(ok->name == p.dir.filename().string());
}
