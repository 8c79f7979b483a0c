// Walking a project for .py files and turning their imports into a package guess.
#include <lab/envs/imports.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

namespace lab::envs {
namespace {

namespace fs = std::filesystem;

bool skipped_dir(const fs::path& dir) {
  std::string name = dir.filename().string();
  if (name.empty() || name[0] == '.') return true;
  if (name == "__pycache__" || name == "site-packages" || name == "dist-packages" || name == "node_modules") return true;
  std::error_code ec;
  return fs::exists(dir / "pyvenv.cfg", ec);
}

// Top-level names a script in `dir` can import from the project itself: its .py files and
// its sub-folders holding an __init__.py or any .py file.
std::set<std::string> local_names(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code ec2;
    if (it->is_regular_file(ec2) && p.extension() == ".py") {
      names.insert(p.stem().string());
    } else if (it->is_directory(ec2) && !skipped_dir(p)) {
      for (fs::directory_iterator sub(p, ec2), e2; !ec2 && sub != e2; sub.increment(ec2))
        if (sub->path().extension() == ".py") {
          names.insert(p.filename().string());
          break;
        }
    }
  }
  return names;
}

std::string top_level(std::string_view module) { return std::string(module.substr(0, module.find('.'))); }

// The package an import stands for (empty when it names none), and the import to show.
std::string package_of(const ImportedModule& m, std::string& shown_module) {
  // `from google.cloud import storage` is google.cloud.storage to the rename table.
  std::vector<std::string> candidates;
  for (const auto& n : m.names)
    if (n != "*") candidates.push_back(m.name + "." + n);
  candidates.push_back(m.name);
  for (const auto& c : candidates)
    if (const Rename* r = find_rename(c)) {
      shown_module = std::string(r->module);
      return std::string(r->package);
    }
  shown_module = top_level(m.name);
  // A bare namespace with no table entry says nothing about which package is meant.
  if (shown_module == "google" || shown_module == "__main__") return {};
  return shown_module;
}

}  // namespace

Result<ImportGuess> guess_requirements(const fs::path& project_dir) {
  std::error_code ec;
  if (!fs::is_directory(project_dir, ec))
    return fail(Errc::not_found, "project folder " + project_dir.string() + " does not exist or is not a folder");

  ImportGuess guess;
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(project_dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return fail(Errc::io, "cannot read project folder " + project_dir.string() + ": " + ec.message());
  for (fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) return fail(Errc::io, "cannot read project folder " + project_dir.string() + ": " + ec.message());
    std::error_code ec2;
    if (it->is_directory(ec2) && !it->is_symlink(ec2)) {
      if (skipped_dir(it->path())) it.disable_recursion_pending();
    } else if (it->path().extension() == ".py" && it->is_regular_file(ec2)) {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());

  std::map<fs::path, std::set<std::string>> locals_by_dir;
  auto locals = [&](const fs::path& dir) -> const std::set<std::string>& {
    auto found = locals_by_dir.find(dir);
    if (found == locals_by_dir.end()) found = locals_by_dir.emplace(dir, local_names(dir)).first;
    return found->second;
  };
  std::map<std::string, GuessedPackage> by_package;
  for (const fs::path& file : files) {
    std::string rel = file.lexically_relative(project_dir).generic_string();
    std::error_code ec2;
    auto size = fs::file_size(file, ec2);
    if (guess.files_scanned >= kMaxFiles || ec2 || size > kMaxFileBytes) {
      guess.skipped.push_back(rel);
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      guess.skipped.push_back(rel);
      continue;
    }
    ++guess.files_scanned;
    for (const ImportedModule& m : parse_imports(text.str())) {
      std::string top = top_level(m.name);
      if (is_stdlib(top) || locals(project_dir).contains(top) || locals(file.parent_path()).contains(top) ||
          (fs::is_directory(project_dir / "src", ec2) && locals(project_dir / "src").contains(top)))
        continue;
      std::string shown;
      std::string package = package_of(m, shown);
      if (package.empty()) continue;
      GuessedPackage& g = by_package[package];
      if (g.package.empty()) g = GuessedPackage{package, shown, {}};
      if (std::find(g.files.begin(), g.files.end(), rel) == g.files.end()) g.files.push_back(rel);
    }
  }
  for (auto& [name, g] : by_package) {
    std::sort(g.files.begin(), g.files.end());
    guess.packages.push_back(std::move(g));
  }
  return guess;
}

std::string guessed_requirements_txt(const ImportGuess& guess) {
  std::string out;
  for (const auto& g : guess.packages) out += g.package + "\n";
  return out;
}

std::string describe_guess(const ImportGuess& guess) {
  if (guess.packages.empty()) return {};
  std::size_t width = 0;
  for (const auto& g : guess.packages) width = std::max(width, g.package.size());
  std::string out =
      "This project has no requirements.txt, uv.lock or pyproject.toml, so lab guessed its Python "
      "packages from its imports:\n";
  for (const auto& g : guess.packages) {
    out += "  " + g.package + std::string(width - g.package.size() + 2, ' ') + "(import " + g.module + " in ";
    for (std::size_t i = 0; i < g.files.size() && i < 3; ++i) out += (i ? ", " : "") + g.files[i];
    if (g.files.size() > 3) out += " and " + std::to_string(g.files.size() - 3) + " more";
    out += ")\n";
  }
  out +=
      "They will be installed at their newest versions, which may differ from yours. To pin them, add a "
      "requirements.txt to the project with these lines:\n";
  for (const auto& g : guess.packages) out += "  " + g.package + "\n";
  out += "or with the exact versions you use (`pip freeze` in your working environment lists them), e.g. " +
         guess.packages.front().package + "==X.Y.Z.\n";
  if (!guess.skipped.empty())
    out += "Not scanned (too large, unreadable, or past " + std::to_string(kMaxFiles) + " files): " +
           std::to_string(guess.skipped.size()) + " file(s), e.g. " + guess.skipped.front() + ".\n";
  return out;
}

}  // namespace lab::envs
