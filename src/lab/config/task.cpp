// task.toml: its schema and the checks that span several keys.
#include <lab/config/task.hpp>

#include <lab/config/dataset_name.hpp>

#include <lab/util/strings.hpp>

#include <algorithm>
#include <cctype>

#include "parsers.hpp"

namespace lab::config {
namespace {

using schema::Value;

std::optional<std::string> valid_name(const Value& v) {
  const std::string& s = std::get<std::string>(v);
  if (util::trim(s).empty()) return "must not be empty";
  if (s.size() > 100) return "is " + std::to_string(s.size()) + " characters long; keep it to 100";
  for (char c : s)
    if (std::iscntrl(static_cast<unsigned char>(c)) || c == '/' || c == '\\')
      return "must not contain '/', '\\' or control characters";
  return std::nullopt;
}

std::optional<std::string> python_version(const Value& v) {
  const std::string& s = std::get<std::string>(v);
  auto parts = util::split(s, '.');
  bool ok = parts.size() >= 2 && parts.size() <= 3 && std::all_of(parts.begin(), parts.end(), [](const std::string& p) {
    return !p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  });
  if (!ok) return "must be a Python version like \"3.11\" or \"3.11.4\", got \"" + s + "\"";
  if (parts[0] != "3") return "must be a Python 3 version, like \"3.11\", got \"" + s + "\"";
  return std::nullopt;
}

std::optional<std::string> simple_word(const Value& v) {
  const std::string& s = std::get<std::string>(v);
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      }))
    return "may use only letters, digits, '-', '_' and '.', got \"" + s + "\"";
  return std::nullopt;
}

// Applies a check to every string of a list, naming the item that fails.
schema::Check each(schema::Check c) {
  return [c](const Value& v) -> std::optional<std::string> {
    const auto& items = std::get<std::vector<std::string>>(v);
    for (std::size_t i = 0; i < items.size(); ++i)
      if (auto problem = c(Value(items[i]))) return "item " + std::to_string(i + 1) + " " + *problem;
    return std::nullopt;
  };
}

// `[files] datasets`: valid dataset names, each named once.
std::optional<std::string> dataset_names(const Value& v) {
  const auto& items = std::get<std::vector<std::string>>(v);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto problem = dataset_name_problem(items[i])) return "item " + std::to_string(i + 1) + " " + *problem;
    for (std::size_t j = 0; j < i; ++j)
      if (items[j] == items[i]) return "names the dataset \"" + items[i] + "\" twice";
  }
  return std::nullopt;
}

std::optional<std::string> wheel_file(const Value& v) {
  const std::string& s = std::get<std::string>(v);
  if (!s.ends_with(".whl")) return "must be a wheel file ending in \".whl\", got \"" + s + "\"";
  return std::nullopt;
}

std::optional<std::string> upload_paths(const Value& v) {
  const auto& pairs = std::get<schema::Pairs>(v);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string item = "item " + std::to_string(i + 1);
    if (util::trim(pairs[i].first).empty()) return item + " has an empty 'local' path";
    if (auto problem = schema::inside_project(Value(pairs[i].second)))
      return item + ": 'remote' " + *problem + " (it is relative to the task's folder on the cluster)";
  }
  return std::nullopt;
}

std::optional<std::string> env_names(const Value& v) {
  for (const auto& [name, value] : std::get<std::map<std::string, std::string>>(v)) {
    bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
              std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    if (!ok) return "has '" + name + "', which is not a valid environment variable name (letters, digits and '_', not starting with a digit)";
  }
  return std::nullopt;
}

std::filesystem::path folder_name_source(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(dir, ec).lexically_normal();
  if (!abs.has_filename()) abs = abs.parent_path();
  return abs.filename();
}

// The checks that need several keys, or the disk.
void cross_checks(schema::Outcome& out, TaskSpec& spec, const TaskParseOptions& opt) {
  auto loc = [&](const char* k) { return out.where(k); };
  const bool command = out.has("run.command"), script = out.has("run.script");
  if (command && script) {
    out.error(loc("run.script"), "[run] has both 'command' and 'script'; keep one: 'command' is a shell line "
                                 "(command = \"python train.py --epochs 10\"), 'script' a file to run (script = \"train.py\")");
  } else if (!command && !script) {
    const bool run_not_a_table = std::any_of(out.errors.begin(), out.errors.end(), [](const Diagnostic& d) {
      return d.message.starts_with("'run' must be a table");
    });
    if (run_not_a_table) {
      // Already reported.
    } else if (out.has("run"))
      out.error(loc("run"), "[run] needs 'command' or 'script' to say what to run, like command = \"python train.py\"");
    else
      out.error({1, 1}, "missing table [run]: add a [run] line and below it command = \"python train.py\" "
                        "(or script = \"train.py\")");
  }
  if (out.has("run.args") && !script && command)
    out.error(loc("run.args"), "'args' in [run] goes with 'script'; with 'command', write the arguments in the command line");
  if (out.has("resources.gpu_type") && spec.resources.gpus == 0 && !out.has("resources.gpus"))
    out.error(loc("resources.gpu_type"), "'gpu_type' in [resources] is set but no GPUs are asked for; add gpus = 1 (or more)");
  if (!opt.check_files) return;

  auto errors_at = [&](const char* k) {
    schema::Location l = out.where(k);
    return std::any_of(out.errors.begin(), out.errors.end(), [&](const Diagnostic& d) { return d.line == l.line && d.column == l.column; });
  };
  namespace fs = std::filesystem;
  std::error_code ec;
  auto must_exist = [&](const char* key, const std::string& label, const fs::path& base, const std::string& rel, bool dir) {
    fs::path p = base / rel;
    if (dir ? fs::is_directory(p, ec) : fs::is_regular_file(p, ec)) return true;
    std::string where = base.lexically_normal() == fs::path(".") ? "the project folder" : base.lexically_normal().string();
    out.error(loc(key), label + " names \"" + rel + "\", but " + (fs::exists(p, ec) ? (dir ? "that is not a folder" : "that is not a file")
                                                                                    : "there is no such " + std::string(dir ? "folder" : "file")) +
                            " in " + where);
    return false;
  };
  const fs::path root = opt.project_dir;
  bool workdir_ok = errors_at("run.workdir") || must_exist("run.workdir", "'workdir' in [run]", root, spec.run.workdir, true);
  if (spec.run.script && workdir_ok && !errors_at("run.script"))
    must_exist("run.script", "'script' in [run]", root / spec.run.workdir, *spec.run.script, false);
  if (spec.environment.requirements && !errors_at("environment.requirements"))
    must_exist("environment.requirements", "'requirements' in [environment]", root, *spec.environment.requirements, false);
  if (!errors_at("environment.extra_wheels"))
    for (const auto& w : spec.environment.extra_wheels)
      if (!must_exist("environment.extra_wheels", "'extra_wheels' in [environment]", root, w, false)) break;
}

}  // namespace

std::string_view priority_name(Priority p) { return p == Priority::high ? "high" : "default"; }

namespace detail {

Checked<TaskSpec> parse_task(std::string_view source, std::string_view file, const TaskParseOptions& opt, schema::Pairs* values) {
  using namespace schema;
  TaskSpec spec;
  std::string priority = "default";
  Pairs uploads;
  Schema s{{
      {"", {
          text("name", spec.name).check(valid_name),
          text("description", spec.description),
          choice("priority", priority, {"default", "high"}),
      }},
      {"resources", {
          integer("gpus", spec.resources.gpus, 0, 64),
          text("gpu_type", spec.resources.gpu_type).check(simple_word),
          integer("cpus", spec.resources.cpus, 1, 256),
          memory("memory", spec.resources.memory_bytes),
          duration("time_limit", spec.resources.time_limit_seconds),
      }},
      {"environment", {
          text("python", spec.environment.python).check(python_version),
          text("requirements", spec.environment.requirements).check(inside_project),
          strings("extra_wheels", spec.environment.extra_wheels).check(each(inside_project)).check(each(wheel_file)),
      }},
      {"files", {
          mappings("upload", uploads).check(upload_paths),
          strings("exclude", spec.files.exclude).check(each(not_empty)),
          strings("download", spec.files.download).check(each(inside_project)),
          strings("datasets", spec.files.datasets).check(dataset_names),
      }},
      {"run", {
          text("workdir", spec.run.workdir).check(inside_project),
          text("command", spec.run.command).check(not_empty),
          text("script", spec.run.script).check(inside_project),
          strings("args", spec.run.args),
          string_map("env", spec.run.env).check(env_names),
      }},
  }};
  Outcome out = apply(source, file, s);
  if (out.parsed) cross_checks(out, spec, opt);
  spec.priority = priority == "high" ? Priority::high : Priority::normal;
  for (auto& [local, remote] : uploads) spec.files.upload.push_back(Upload{local, remote});
  if (spec.name.empty()) spec.name = folder_name_source(opt.project_dir).string();
  return finish(out, std::move(spec), values);
}

}  // namespace detail

Checked<TaskSpec> parse_task(std::string_view source, std::string_view file, const TaskParseOptions& options) {
  return detail::parse_task(source, file, options, nullptr);
}

Checked<TaskSpec> load_task(const std::filesystem::path& path, bool check_files) {
  auto text = schema::read_file(path);
  if (!text) return std::unexpected(std::vector<Diagnostic>{text.error()});
  TaskParseOptions opt{.project_dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path("."),
                       .check_files = check_files};
  return parse_task(*text, path.string(), opt);
}

}  // namespace lab::config
