#include "lab/proxy/command_line.hpp"

#include <doctest/doctest.h>

using namespace lab;
using namespace lab::proxy;

TEST_CASE("proxy command line: quoting survives hostile text") {
  CHECK(shell_quote("plain") == "'plain'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("$(rm -rf /); `x` \"y\"") == "'$(rm -rf /); `x` \"y\"'");
  CHECK(shell_quote("") == "''");
}

TEST_CASE("proxy command line: workdir, script kind and arguments fold into one line") {
  config::TaskSpec s;
  s.run.workdir = "src";
  s.run.script = "train.py";
  s.run.args = {"--x", "a b", "it's"};
  CHECK(task_command(s) == "cd 'src' && python3 'train.py' '--x' 'a b' 'it'\\''s'");
  s.run.workdir = ".";
  s.run.script = "run.sh";
  s.run.args.clear();
  CHECK(task_command(s) == "bash 'run.sh'");
  s.run.script = "bin/tool";
  CHECK(task_command(s) == "'bin/tool'");
  s.run.script = "tool";
  CHECK(task_command(s) == "'./tool'");  // not looked up on PATH
  s.run.script.reset();
  s.run.command = "python3 train.py --lr 0.1 | tee out.txt";
  s.run.workdir = "exp 1";
  CHECK(task_command(s) == "cd 'exp 1' && python3 train.py --lr 0.1 | tee out.txt");
}

TEST_CASE("proxy command line: resource strings of submit_task") {
  CHECK(memory_text(8ull << 30) == "8192M");
  CHECK(memory_text(1) == "1M");  // rounded up, never 0
  CHECK(memory_text((1ull << 20) + 1) == "2M");
  CHECK(time_limit_text(3600) == "1:00:00");
  CHECK(time_limit_text(4 * 3600 + 5 * 60 + 9) == "4:05:09");
  CHECK(time_limit_text(100 * 3600) == "100:00:00");
  CHECK(time_limit_text(59) == "0:00:59");
}
