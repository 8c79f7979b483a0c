#include <doctest/doctest.h>
#include <lab/envs/imports.hpp>

#include <fstream>
#include <unistd.h>

using namespace lab::envs;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names(std::string_view src) {
  std::vector<std::string> out;
  for (const auto& m : parse_imports(src)) out.push_back(m.name);
  return out;
}

void write(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("lab-imports-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("parse_imports reads every absolute import form and nothing inside strings or comments") {
  auto src = R"PY(
import os, sys as system
import numpy.linalg as la ; import torch
from sklearn.model_selection import (
    train_test_split,   # a comment with import fake1
    KFold as KF,
)
from . import sibling
from .pkg.mod import thing
from ..up import x
from yaml import \
    safe_load
doc = """
import fake2
from fake3 import y
"""
s = 'import fake4'  # import fake5
try: import ujson
except ImportError: import json
def f():
    if True:
        import scipy.sparse
)PY";
  auto ms = parse_imports(src);
  CHECK(names(src) == std::vector<std::string>{"os", "sys", "numpy.linalg", "torch", "sklearn.model_selection", "yaml",
                                               "ujson", "json", "scipy.sparse"});
  REQUIRE(ms.size() == 9);
  CHECK(ms[4].names == std::vector<std::string>{"train_test_split", "KFold"});
  CHECK(ms[4].line == 4);
  CHECK(ms[5].line == 11);
  CHECK(ms[8].line == 22);
  CHECK(ms[5].names == std::vector<std::string>{"safe_load"});
}

TEST_CASE("the rename table maps imports to pip names, longest dotted prefix first") {
  CHECK(package_for_import("cv2") == "opencv-python");
  CHECK(package_for_import("sklearn.linear_model") == "scikit-learn");
  CHECK(package_for_import("PIL.Image") == "Pillow");
  CHECK(package_for_import("yaml") == "PyYAML");
  CHECK(package_for_import("google.protobuf.message") == "protobuf");
  CHECK(package_for_import("google.cloud.storage") == "google-cloud-storage");
  CHECK_FALSE(package_for_import("google"));
  CHECK_FALSE(package_for_import("numpy"));
  CHECK_FALSE(package_for_import("yamlx"));  // a prefix only counts at a dot
  auto table = import_renames();
  for (std::size_t i = 1; i < table.size(); ++i) CHECK(table[i - 1].module < table[i].module);
}

TEST_CASE("the standard library list knows common modules and not third-party ones") {
  for (auto m : {"os", "sys", "json", "__future__", "asyncio", "tomllib", "distutils", "typing"}) CHECK(is_stdlib(m));
  for (auto m : {"numpy", "torch", "yaml", "requests", "os.path"}) CHECK_FALSE(is_stdlib(m));
}

TEST_CASE("guess_requirements leaves out stdlib, relative, own-module and venv imports") {
  TempDir t;
  const fs::path& p = t.path;
  write(p / "train.py", "import os, json\nimport numpy as np\nimport cv2\nfrom sklearn import svm\nimport utils\nfrom models.net import Net\nimport helpers\n");
  write(p / "utils.py", "from PIL import Image\nimport yaml\n");
  write(p / "models/__init__.py", "");
  write(p / "models/net.py", "from . import layers\nimport torch\nimport layers\n");
  write(p / "models/layers.py", "import torch.nn as nn\n");
  write(p / "scripts/eval.py", "import helpers\nfrom google.protobuf import text_format\n");  // helpers is not beside eval.py
  write(p / "src/helpers/__init__.py", "import requests\n");
  write(p / ".venv/lib/python3.11/site-packages/evil/__init__.py", "import should_not_appear\n");
  write(p / "myenv/pyvenv.cfg", "home = /usr/bin\n");
  write(p / "myenv/lib/x.py", "import also_not\n");
  write(p / ".hidden/y.py", "import hidden_not\n");
  write(p / "notes.txt", "import not_python\n");

  auto g = guess_requirements(p);
  REQUIRE(g);
  std::vector<std::string> pkgs;
  for (const auto& x : g->packages) pkgs.push_back(x.package);
  CHECK(pkgs == std::vector<std::string>{"Pillow", "PyYAML", "numpy", "opencv-python", "protobuf", "requests",
                                         "scikit-learn", "torch"});
  CHECK(g->files_scanned == 7);
  for (const auto& x : g->packages) {
    if (x.package == "torch") CHECK(x.files == std::vector<std::string>{"models/layers.py", "models/net.py"});
    if (x.package == "opencv-python") CHECK(x.module == "cv2");
    if (x.package == "protobuf") CHECK(x.module == "google.protobuf");
  }
  CHECK(guessed_requirements_txt(*g).starts_with("Pillow\nPyYAML\nnumpy\n"));

  std::string msg = describe_guess(*g);
  CHECK(msg.find("opencv-python") != std::string::npos);
  CHECK(msg.find("(import cv2 in train.py)") != std::string::npos);
  CHECK(msg.find("requirements.txt") != std::string::npos);
  CHECK(msg.find("==") != std::string::npos);
}

TEST_CASE("a project importing only the standard library guesses nothing and says nothing") {
  TempDir t;
  write(t.path / "main.py", "import os\nfrom pathlib import Path\n");
  auto g = guess_requirements(t.path);
  REQUIRE(g);
  CHECK(g->packages.empty());
  CHECK(describe_guess(*g).empty());
  CHECK(guess_requirements(t.path / "missing").error().code == lab::Errc::not_found);
}
