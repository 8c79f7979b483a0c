#include "envs_fixture.hpp"
#include "lab/envs/uv_lock.hpp"  // private header, found through src/

#include <lab/envs/key.hpp>

using namespace lab;
using namespace lab::envs;
using namespace envs_test;

namespace {

// A lock as uv writes it: the project, a registry package at two versions (forked by
// platform), one needed only on Windows, and a dev group.
constexpr const char* kLock = R"(version = 1
requires-python = ">=3.8"
resolution-markers = [
    "sys_platform == 'win32'",
    "sys_platform != 'win32'",
]

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "labalpha" },
    { name = "labbeta", extra = ["fast", "io"] },
    { name = "labwin", marker = "sys_platform == 'win32'" },
]

[package.dev-dependencies]
dev = [
    { name = "labtest" },
]

[[package]]
name = "labalpha"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://example.org/labalpha-1.0-py3-none-any.whl", hash = "sha256:00", size = 1 }]

[[package]]
name = "labbeta"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["sys_platform != 'win32'"]

[[package]]
name = "labbeta"
version = "1.5"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["sys_platform == 'win32'"]

[[package]]
name = "labwin"
version = "3.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "labtest"
version = "0.2"
source = { registry = "https://pypi.org/simple" }
)";

Result<detail::PipPins> read_text(const Fixture& f, const std::string& text) {
  write(f.root / "uv.lock", text);
  return detail::read_uv_lock(f.root / "uv.lock");
}

}  // namespace

TEST_CASE("uv.lock without uv: the project's dependencies become requirements, every locked version a constraint") {
  Fixture f;
  auto pins = read_text(f, kLock);
  REQUIRE_MESSAGE(pins, (pins ? "" : pins.error().message));
  CHECK(pins->requirements == std::vector<std::string>{"labalpha", "labbeta[fast,io]", "labwin ; sys_platform == 'win32'", "labtest"});
  CHECK(pins->constraints == std::vector<std::string>{"labalpha==1.0", "labbeta==2.0 ; (sys_platform != 'win32')",
                                                      "labbeta==1.5 ; (sys_platform == 'win32')", "labwin==3.0", "labtest==0.2"});
  REQUIRE(detail::write_pip_pins(*pins, f.root));
  std::ifstream in(f.root / "constraints.txt");
  std::string first;
  std::getline(in, first);
  CHECK(first == "labalpha==1.0");
}

TEST_CASE("uv.lock without uv: what pip cannot take from a lock is refused in plain words") {
  Fixture f;
  std::string lock = kLock;

  auto git = read_text(f, lock + "\n[[package]]\nname = \"fromgit\"\nversion = \"1.0\"\nsource = { git = \"https://example.org/x.git#abc\" }\n");
  REQUIRE_FALSE(git);
  CHECK(git.error().code == Errc::unsupported);
  CHECK(git.error().message.find("takes 'fromgit' from git 'https://example.org/x.git#abc'") != std::string::npos);
  CHECK(git.error().message.find("install uv on the cluster") != std::string::npos);

  auto newer = read_text(f, "version = 2\n");
  REQUIRE_FALSE(newer);
  CHECK(newer.error().code == Errc::unsupported);
  CHECK(newer.error().message.find("format version 2") != std::string::npos);

  auto syntax = read_text(f, "version = 1\n\n[[package]\nname = \"x\"\n");
  REQUIRE_FALSE(syntax);
  CHECK(syntax.error().code == Errc::invalid_argument);
  CHECK(syntax.error().message.find("uv.lock line 3") != std::string::npos);

  auto no_project = read_text(f, "version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"x\" }\n");
  REQUIRE_FALSE(no_project);
  CHECK(no_project.error().message.find("no [[package]] for the project itself") != std::string::npos);

  // Nothing from the lock can smuggle a pip option or a second line into pip's files.
  auto injected = read_text(f, "version = 1\n[[package]]\nname = \"demo\"\nversion = \"0\"\nsource = { virtual = \".\" }\n"
                               "dependencies = [{ name = \"a\", marker = \"x\\n--index-url http://evil\" }]\n");
  REQUIRE_FALSE(injected);
  CHECK(injected.error().message.find("invalid marker") != std::string::npos);
  auto option = read_text(f, "version = 1\n[[package]]\nname = \"demo\"\nversion = \"0\"\nsource = { virtual = \".\" }\n"
                             "[[package]]\nname = \"--find-links=/tmp\"\nversion = \"1\"\nsource = { registry = \"x\" }\n");
  REQUIRE_FALSE(option);
  CHECK(option.error().message.find("no valid name") != std::string::npos);
}

TEST_CASE("a uv.lock project on a machine without uv gets exactly the locked versions, and only this platform's packages") {
  Fixture f;
  // The wheelhouse offers newer versions than the lock's: an unpinned install would take them.
  f.wheel("labalpha", "1.0");
  f.wheel("labalpha", "1.1");
  f.wheel("labdelta", "1.0");
  f.wheel("labdelta", "1.2");
  f.wheel("labbeta", "2.0", "labdelta>=1.0");
  f.wheel("labbeta", "2.5", "labdelta>=1.0");
  fs::path project = f.root / "uvproject";
  write(project / "pyproject.toml", "[project]\nname = \"demo\"\nversion = \"0.1.0\"\ndependencies = [\"labalpha\", \"labbeta\", \"labwin; sys_platform == 'win32'\"]\n");
  write(project / "uv.lock", R"(version = 1
requires-python = ">=3.8"

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "labalpha" },
    { name = "labbeta" },
    { name = "labwin", marker = "sys_platform == 'win32'" },
]

[[package]]
name = "labalpha"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "labbeta"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "labdelta" }]

[[package]]
name = "labdelta"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "labwin"
version = "9.9"
source = { registry = "https://pypi.org/simple" }
)");
  auto key = compute_key(project, {});
  REQUIRE(key);
  REQUIRE(key->source == Source::uv_lock);
  Builder b(f.options());  // uv = "": never uv, as on a cluster without it
  Log log;
  auto env = b.ensure(*key, project, log.sink());
  REQUIRE_MESSAGE(env, (env ? "" : env.error().message + "\n" + log.text));
  CHECK(log.has("uv is not installed here"));
  CHECK(log.has("-r requirements.txt -c constraints.txt"));
  // labwin is in no wheelhouse: pip skipped it by its marker, or the build would have failed.
  CHECK(run_in(env->root(), "import labalpha, labbeta, labdelta; print(labalpha.__version__, labbeta.__version__, "
                            "labdelta.__version__)") == "1.0 2.0 1.0");
}

// uv itself cannot be installed on the test machines (no PyPI), so this checks lab's side of
// the contract with a stand-in that records how it was called and makes a venv as uv would.
TEST_CASE("with uv installed, a uv.lock project is built by uv sync --frozen in its own build folder") {
  Fixture f;
  const fs::path calls = f.root / "uv-calls";
  const fs::path uv = f.root / "bin" / "uv";
  write(uv, "#!/bin/sh\necho \"$UV_PROJECT_ENVIRONMENT|$*\" >> '" + calls.string() +
                "'\nif [ \"$1\" = sync ]; then python3 -m venv \"$UV_PROJECT_ENVIRONMENT\" || exit 1; fi\n"
                "echo resolved 3 packages\n");
  fs::permissions(uv, fs::perms::owner_all);
  fs::path project = f.root / "uvproject";
  write(project / "pyproject.toml", "[project]\nname = \"demo\"\nversion = \"0.1.0\"\ndependencies = [\"labalpha\"]\n");
  write(project / "uv.lock", kLock);
  auto key = compute_key(project, {});
  REQUIRE(key);
  auto o = f.options();
  o.uv = uv.string();
  Builder b(o);
  Log log;
  auto env = b.ensure(*key, project, log.sink());
  REQUIRE_MESSAGE(env, (env ? "" : env.error().message + "\n" + log.text));
  CHECK(log.has("resolved 3 packages"));  // uv's output streams into the build log
  CHECK_FALSE(log.has("uv is not installed"));
  std::ifstream in(calls);
  std::string line;
  REQUIRE(std::getline(in, line));
  const auto bar = line.find('|');
  const fs::path built_in = line.substr(0, bar);
  const std::string args = line.substr(bar + 1);
  CHECK(args.starts_with("sync --frozen --no-install-project --python "));
  CHECK(args.find("--no-index --find-links " + f.wheelhouse.string()) != std::string::npos);
  // Built in its own build folder, which the key's link now names (published all at once).
  CHECK(built_in.parent_path().parent_path() == o.envs_dir / "builds");
  CHECK(fs::is_symlink(o.envs_dir / key->hex));
  CHECK(fs::equivalent(o.envs_dir / key->hex / "env", built_in));
  CHECK(fs::equivalent(env->root(), built_in));
  CHECK(fs::exists(env->root() / "bin" / "python"));
  CHECK_FALSE(std::getline(in, line));  // one call: no extra wheels to add
}
