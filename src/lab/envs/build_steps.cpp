#include "build_steps.hpp"
#include "uv_lock.hpp"

#include <lab/sys/process.hpp>
#include <lab/util/strings.hpp>

#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>

namespace lab::envs::detail {

namespace fs = std::filesystem;

namespace {

// Variables every build step gets: nothing from the caller's Python setup leaks in.
std::map<std::string, std::string> quiet_env() {
  return {{"PYTHONPATH", ""},  // CPython ignores empty PYTHON* variables
          {"PYTHONHOME", ""},
          {"PIP_DISABLE_PIP_VERSION_CHECK", "1"},
          {"PIP_NO_INPUT", "1"},
          {"PIP_USER", "0"}};
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@+,") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// pip's or uv's flags for where packages come from.
std::vector<std::string> index_flags(const BuilderOptions& o) {
  std::vector<std::string> f;
  if (o.index_url) f.insert(f.end(), {"--index-url", *o.index_url});
  if (o.wheelhouse) {
    if (!o.index_url) f.push_back("--no-index");
    f.insert(f.end(), {"--find-links", o.wheelhouse->string()});
  }
  return f;
}

std::vector<std::string> staged_wheels(const EnvKey& key, const fs::path& inputs) {
  std::vector<std::string> out;
  for (const auto& w : key.wheels) out.push_back((inputs / "wheels" / fs::path(w.path).filename()).string());
  return out;
}

}  // namespace

std::optional<fs::path> find_program(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return fs::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  for (const auto& dir : util::split(path ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

Result<Interpreter> resolve_python(const std::string& default_python, const std::string& requested) {
  std::vector<std::string> candidates;
  if (!requested.empty()) {
    candidates.push_back("python" + requested);
    auto parts = util::split(requested, '.');
    if (parts.size() == 3) candidates.push_back("python" + parts[0] + "." + parts[1]);
  }
  candidates.push_back(default_python);
  std::vector<std::string> found;
  for (const auto& c : candidates) {
    if (!find_program(c)) continue;
    std::string version;
    auto p = sys::Process::spawn(
        sys::ProcessSpec{{c, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"}, {}, quiet_env(), false, {}, {}, {}},
        [&](sys::Stream s, std::string_view line, std::int64_t) {
          if (s == sys::Stream::out && version.empty()) version = util::trim(line);
        });
    if (!p) continue;
    auto st = (*p)->wait(std::chrono::seconds(60));
    if (!st) (*p)->terminate(std::chrono::milliseconds(500));
    if (!st || st->shell_code() != 0 || version.empty()) continue;
    if (requested.empty() || version == requested || version.starts_with(requested + "."))
      return Interpreter{c, version};
    found.push_back(c + " is " + version);
  }
  if (requested.empty())
    return fail(Errc::unsupported, "the cluster's Python '" + default_python +
                                       "' cannot be run; set [environments] python in remote.toml to a working interpreter");
  return fail(Errc::unsupported, "Python " + requested + " is not installed on the cluster" +
                                     (found.empty() ? std::string() : " (" + util::join(found, ", ") + ")") +
                                     "; ask for an installed version in task.toml's [environment] python or .python-version");
}

Result<void> stage_inputs(const EnvKey& key, const fs::path& project, const fs::path& inputs) {
  std::error_code ec;
  fs::create_directories(inputs / "wheels", ec);
  if (ec) return fail(Errc::io, "cannot create " + inputs.string() + ": " + ec.message());
  auto copy_checked = [&](const KeyFile& f, const fs::path& to, InputKind kind) -> Result<void> {
    fs::create_directories(to.parent_path(), ec);
    if (!fs::is_regular_file(project / f.path, ec))
      return fail(Errc::not_found, (project / f.path).string() + " is missing; the project folder is incomplete");
    if (!fs::copy_file(project / f.path, to, fs::copy_options::overwrite_existing, ec))
      return fail(Errc::io, "cannot copy " + (project / f.path).string() + ": " + ec.message());
    auto h = hash_input(to, kind);
    if (!h) return std::unexpected(h.error());
    if (*h != f.hash)
      return fail(Errc::conflict, f.path + " changed after the environment key was computed; submit the task again");
    return {};
  };
  InputKind kind = key.source == Source::uv_lock ? InputKind::text : InputKind::requirements;
  for (const auto& f : key.files)
    if (auto r = copy_checked(f, inputs / f.path, kind); !r) return r;
  for (const auto& w : key.wheels)
    if (auto r = copy_checked(w, inputs / "wheels" / fs::path(w.path).filename(), InputKind::binary); !r) return r;
  if (key.source == Source::guessed) {
    std::ofstream out(inputs / "requirements.txt");
    out << guessed_requirements_txt(key.guess);
    if (!out) return fail(Errc::io, "cannot write " + (inputs / "requirements.txt").string());
  }
  return {};
}

Result<void> run_step(std::string_view what, const std::vector<std::string>& argv, const fs::path& cwd,
                      const std::map<std::string, std::string>& env, const BuildLog& log, std::chrono::seconds timeout) {
  std::string shown = "$";
  for (const auto& a : argv) shown += " " + shell_quote(a);
  if (log) log(shown);
  std::mutex mu;
  std::vector<std::string> errors;                     // the tool's "ERROR:" lines
  std::deque<std::string> tail_err, tail_out;          // the last lines, when there are none
  auto p = sys::Process::spawn(sys::ProcessSpec{argv, cwd, env, false, {}, {}, {}},
                               [&](sys::Stream s, std::string_view line, std::int64_t) {
                                 if (log) log(line);
                                 std::lock_guard lock(mu);
                                 auto& tail = s == sys::Stream::err ? tail_err : tail_out;
                                 tail.emplace_back(line);
                                 if (tail.size() > 8) tail.pop_front();
                                 if (line.starts_with("ERROR:") || line.starts_with("error:")) errors.emplace_back(line);
                               });
  if (!p) return fail_with_context(p.error(), std::string(what));
  auto st = (*p)->wait(timeout);
  if (!st) {
    (*p)->terminate(std::chrono::seconds(5));
    return fail(Errc::timeout, std::string(what) + " took longer than " + std::to_string(timeout.count()) +
                                   " s and was stopped; the build output is in the task's log");
  }
  if (st->shell_code() == 0) return {};
  std::lock_guard lock(mu);
  std::vector<std::string> lines = errors.empty() ? std::vector<std::string>(tail_err.begin(), tail_err.end()) : errors;
  if (lines.empty()) lines.assign(tail_out.begin(), tail_out.end());
  return fail(Errc::io, std::string(what) + " failed (" + st->describe() + ")" +
                            (lines.empty() ? std::string(".") : ":\n" + util::join(lines, "\n")));
}

Result<std::string> install(const EnvKey& key, const BuilderOptions& o, const Interpreter& python, const fs::path& env_root,
                            const fs::path& inputs, const BuildLog& log) {
  auto env = quiet_env();
  auto wheels = staged_wheels(key, inputs);
  auto flags = index_flags(o);

  // uv path: uv.lock projects when uv is installed. Tested with a stand-in uv only (real uv
  // cannot be installed on the test machines); see docs/environments.md.
  if (key.source == Source::uv_lock)
    if (auto uv = find_program(o.uv)) {
      env["UV_PROJECT_ENVIRONMENT"] = env_root.string();
      std::vector<std::string> sync = {uv->string(), "sync", "--frozen", "--no-install-project", "--python", python.program};
      sync.insert(sync.end(), flags.begin(), flags.end());
      if (auto r = run_step("uv sync", sync, inputs, env, log, o.build_timeout); !r) return std::unexpected(r.error());
      if (!wheels.empty()) {
        std::vector<std::string> add = {uv->string(), "pip", "install", "--python", (env_root / "bin" / "python").string()};
        add.insert(add.end(), flags.begin(), flags.end());
        add.insert(add.end(), wheels.begin(), wheels.end());
        if (auto r = run_step("installing extra wheels", add, inputs, env, log, o.build_timeout); !r)
          return std::unexpected(r.error());
      }
      return std::string("uv");
    }

  // uv.lock without uv: pip installs the project's dependencies with every version the lock's.
  if (key.source == Source::uv_lock) {
    if (log) log("lab: uv is not installed here (looked for '" + o.uv + "'); installing uv.lock's versions with pip");
    auto pins = read_uv_lock(inputs / "uv.lock");
    if (!pins) return std::unexpected(pins.error());
    if (auto r = write_pip_pins(*pins, inputs); !r) return std::unexpected(r.error());
  }

  std::vector<std::string> venv = {python.program, "-m", "venv"};
  // Nothing to install (only a Python version asked for): keep the cluster's packages visible.
  if (key.source == Source::none) venv.push_back("--system-site-packages");
  venv.push_back(env_root.string());
  if (auto r = run_step("creating the virtual environment", venv, inputs, env, log, o.build_timeout); !r)
    return std::unexpected(r.error());

  std::vector<std::string> pip = {(env_root / "bin" / "python").string(), "-m", "pip", "install"};
  pip.insert(pip.end(), flags.begin(), flags.end());
  bool any = !wheels.empty();
  if (key.source == Source::requirements || key.source == Source::guessed) {
    pip.insert(pip.end(), {"-r", key.source == Source::guessed ? "requirements.txt" : key.files.front().path});
    any = true;
  } else if (key.source == Source::uv_lock) {
    pip.insert(pip.end(), {"-r", "requirements.txt", "-c", "constraints.txt"});
    any = true;
  }
  pip.insert(pip.end(), wheels.begin(), wheels.end());
  if (any)
    if (auto r = run_step("pip install", pip, inputs, env, log, o.build_timeout); !r) return std::unexpected(r.error());
  return std::string("pip");
}

}  // namespace lab::envs::detail
