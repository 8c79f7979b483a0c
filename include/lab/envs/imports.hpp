// Guessing a project's Python packages from its imports, for projects that pin nothing
// (no requirements.txt, uv.lock or pyproject.toml). The guess is never silent: the student
// is told at submit time what was guessed, from which files, and how to pin it
// (docs/environments.md, "Guessing from imports").
#pragma once

#include <lab/result.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lab::envs {

// One module an `import` statement names, as written: "numpy", "google.protobuf", "os.path".
struct ImportedModule {
  std::string name;                // dotted; never relative (the parser drops relative imports)
  std::vector<std::string> names;  // `from name import a, b`: {"a", "b"}; empty for `import name`
  int line = 0;                    // 1-based line the statement starts on
};

// The absolute imports of one Python source text: `import a, b.c as d`, `from x.y import z`,
// parenthesised and backslash-continued forms, several statements per line with `;`, and
// imports inside blocks (try/except, functions). Text inside strings and comments is
// ignored; relative imports (`from . import x`, `from .m import y`) are left out.
std::vector<ImportedModule> parse_imports(std::string_view source);

// The import-to-package renames: {import, pip package}.
struct Rename {
  std::string_view module;   // "cv2", "google.protobuf"
  std::string_view package;  // "opencv-python", "protobuf"
};

// The whole rename table, sorted by import (documentation and tests read it).
std::span<const Rename> import_renames();

// The entry covering `module` (dotted or top-level), the longest dotted prefix winning:
// "google.protobuf.message" -> {"google.protobuf", "protobuf"}. Null when none does.
const Rename* find_rename(std::string_view module);

// The pip package that provides `module` when its name differs from the import
// ("cv2" -> "opencv-python"); nullopt when the table has no entry.
std::optional<std::string_view> package_for_import(std::string_view module);

// True when `top_level` is a standard-library module (Python 3.11's list; see
// src/lab/envs/stdlib_modules.cpp for how it was made).
bool is_stdlib(std::string_view top_level);

// One package the guess would install, and why.
struct GuessedPackage {
  std::string package;              // pip name, e.g. "scikit-learn"
  std::string module;               // the import that led to it, e.g. "sklearn"
  std::vector<std::string> files;   // project-relative files importing it, sorted
};

struct ImportGuess {
  std::vector<GuessedPackage> packages;  // sorted by package name, no duplicates
  std::size_t files_scanned = 0;
  // Files left unread because the scan stopped at its limits (kMaxFiles, kMaxFileBytes).
  std::vector<std::string> skipped;
};

// Limits on the scan, so a project folder full of data cannot stall a submit.
inline constexpr std::size_t kMaxFiles = 5000;
inline constexpr std::size_t kMaxFileBytes = 2 << 20;

// Scans every .py file under `project_dir` and guesses the third-party packages it needs.
// Skipped: hidden folders, __pycache__, site-packages, dist-packages, node_modules, and any
// folder holding a pyvenv.cfg (a virtual environment). Left out of the guess: the standard
// library, relative imports, and the project's own modules: for a file F, a top-level name
// that is a .py file or a folder (package or plain folder of .py files) in the project
// root, in `src/`, or beside F. Fails (Errc::not_found / io) only when the folder cannot
// be read; unreadable files are listed in `skipped`.
Result<ImportGuess> guess_requirements(const std::filesystem::path& project_dir);

// The requirements.txt lines the guess stands for ("numpy\nscikit-learn\n").
std::string guessed_requirements_txt(const ImportGuess& guess);

// What the student is told at submit time: each guessed package with the import and files
// that led to it, that unpinned packages install at their newest version, and how to pin
// them (a requirements.txt with these lines, or `pip freeze` versions). Empty when nothing
// was guessed.
std::string describe_guess(const ImportGuess& guess);

}  // namespace lab::envs
