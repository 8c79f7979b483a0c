#include <doctest/doctest.h>
#include <lab/envs/key.hpp>

#include <fstream>
#include <unistd.h>

using namespace lab;
using namespace lab::envs;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

struct Project {
  fs::path dir;
  Project() {
    dir = fs::temp_directory_path() / ("lab-key-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    fs::create_directories(dir);
  }
  ~Project() { fs::remove_all(dir); }
  std::string key(const config::Environment& env = {}) {
    auto k = compute_key(dir, env);
    REQUIRE_MESSAGE(k, (k ? "" : k.error().message));
    return k->hex;
  }
};

}  // namespace

TEST_CASE("the same inputs give the same key; unrelated files and comments do not change it") {
  Project p;
  write(p.dir / "requirements.txt", "numpy==1.26.4\ntorch>=2.1\n");
  write(p.dir / "train.py", "import numpy\n");
  std::string k1 = p.key();
  CHECK(k1.size() == 32);
  CHECK(k1.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(p.key() == k1);

  write(p.dir / "train.py", "import numpy   \n\n\n# more\n");
  CHECK(p.key() == k1);
  write(p.dir / "requirements.txt", "\xEF\xBB\xBF# pinned\r\nnumpy==1.26.4   # the array library\r\n\r\n  torch>=2.1\r\n");
  CHECK(p.key() == k1);

  Project q;  // another folder with the same inputs: the same key
  write(q.dir / "requirements.txt", "numpy==1.26.4\ntorch>=2.1\n");
  CHECK(q.key() == k1);
}

TEST_CASE("a changed pin, Python version or extra wheel gives a new key") {
  Project p;
  write(p.dir / "requirements.txt", "numpy==1.26.4\n");
  std::string base = p.key();
  write(p.dir / "requirements.txt", "numpy==1.26.3\n");
  std::string pin = p.key();
  CHECK(pin != base);

  config::Environment env;
  env.python = "3.11";
  std::string py311 = p.key(env);
  CHECK(py311 != pin);
  env.python = "3.12";
  CHECK(p.key(env) != py311);
  write(p.dir / ".python-version", "3.11\n");
  CHECK(p.key() == py311);  // .python-version says the same as task.toml did
  env.python = "cpython-3.11";
  CHECK(p.key(env) == py311);

  write(p.dir / "wheels/extra-1.0-py3-none-any.whl", "zip bytes");
  env = {};
  env.extra_wheels = {"wheels/extra-1.0-py3-none-any.whl"};
  std::string w1 = p.key(env);
  CHECK(w1 != py311);
  write(p.dir / "wheels/extra-1.0-py3-none-any.whl", "other zip bytes");
  CHECK(p.key(env) != w1);
}

TEST_CASE("requirements includes count, and must stay inside the project") {
  Project p;
  write(p.dir / "requirements.txt", "-r base.txt\n--constraint=pins/constraints.txt\nrequests\n");
  write(p.dir / "base.txt", "numpy\n");
  write(p.dir / "pins/constraints.txt", "numpy==1.26.4\n");
  auto k = compute_key(p.dir, {});
  REQUIRE(k);
  REQUIRE(k->files.size() == 3);
  CHECK(k->files[1].path == "base.txt");
  CHECK(k->files[2].path == "pins/constraints.txt");
  CHECK(k->describe().starts_with("requirements.txt (+ base.txt pins/constraints.txt)"));
  write(p.dir / "pins/constraints.txt", "numpy==1.26.3\n");
  CHECK(p.key() != k->hex);

  write(p.dir / "requirements.txt", "-r ../outside.txt\n");
  auto bad = compute_key(p.dir, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::invalid_argument);
  CHECK(bad.error().message.find("outside the project") != std::string::npos);
}

TEST_CASE("which inputs count: task.toml's requirements, then uv.lock, then requirements.txt, then imports") {
  Project p;
  write(p.dir / "main.py", "import numpy\nimport cv2\n");
  auto guessed = compute_key(p.dir, {});
  REQUIRE(guessed);
  CHECK(guessed->source == Source::guessed);
  CHECK(guessed->canonical.find("guess opencv-python\n") != std::string::npos);
  CHECK(guessed->needs_build());

  write(p.dir / "pyproject.toml", "[project]\nname = \"x\"\n");
  auto with_pyproject = compute_key(p.dir, {});
  REQUIRE(with_pyproject);
  CHECK(with_pyproject->source == Source::guessed);
  CHECK_FALSE(with_pyproject->notes.empty());

  write(p.dir / "requirements.txt", "numpy\n");
  CHECK(compute_key(p.dir, {})->source == Source::requirements);
  write(p.dir / "uv.lock", "version = 1\r\n");
  auto uv = compute_key(p.dir, {});
  REQUIRE(uv);
  CHECK(uv->source == Source::uv_lock);
  REQUIRE(uv->files.size() == 2);
  write(p.dir / "uv.lock", "version = 1\n");
  CHECK(p.key() == uv->hex);  // CRLF and LF hash alike
  write(p.dir / "pyproject.toml", "[project]\nname = \"y\"\n");
  CHECK(p.key() != uv->hex);

  config::Environment env;
  env.requirements = "reqs/dev.txt";
  write(p.dir / "reqs/dev.txt", "pytest\n");
  CHECK(compute_key(p.dir, env)->source == Source::requirements);
  env.requirements = "reqs/missing.txt";
  CHECK(compute_key(p.dir, env).error().code == Errc::not_found);
}

TEST_CASE("a project with nothing to install needs no build; bad Python versions are refused") {
  Project p;
  write(p.dir / "main.py", "import os\n");
  auto k = compute_key(p.dir, {});
  REQUIRE(k);
  CHECK(k->source == Source::none);
  CHECK_FALSE(k->needs_build());
  config::Environment env;
  env.python = "3.11";
  CHECK(compute_key(p.dir, env)->needs_build());
  env.python = "pypy3.9";
  auto bad = compute_key(p.dir, env);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::invalid_argument);
  CHECK(bad.error().message.find("3.11") != std::string::npos);
  write(p.dir / ".python-version", "2.7\n");
  CHECK(compute_key(p.dir, {}).error().code == Errc::invalid_argument);
}

TEST_CASE("normalise_requirements joins continuations and keeps URL fragments") {
  CHECK(normalise_requirements("a \\\n  ==1.0\r\npkg @ https://x/y.whl#sha256=ab\n  # c\n") ==
        "a   ==1.0\npkg @ https://x/y.whl#sha256=ab\n");
}
