#include <lab/envs/prepare.hpp>

#include <algorithm>

namespace lab::envs {

TaskEnv prepare_task_env(Builder& builder, const std::filesystem::path& folder, const config::Environment& env,
                         const PrepareHooks& hooks) {
  auto note = [&](const std::string& t) {
    if (hooks.note) hooks.note(t);
  };
  TaskEnv out;
  auto key = compute_key(folder, env);
  if (!key) {
    out.failure = "cannot work out the task's Python environment: " + key.error().message;
    return out;
  }
  out.key = key->hex;
  for (const auto& n : key->notes) note("environment: " + n);
  out.needed = key->needs_build();
  if (!out.needed) return out;
  const std::string name = key->hex.substr(0, 12);
  const int others = builder.tasks_waiting(key->hex);
  const std::string reason = building_reason(others + 1);
  if (hooks.status) hooks.status(reason);
  note(others > 0 ? reason + ": environment " + name + " for " + key->describe()
                  : "preparing: environment " + name + " for " + key->describe());
  // Each line of the build is one line of the task's log, even when a message spans several.
  auto lease = builder.ensure(*key, folder, [&](std::string_view text) {
    for (std::size_t start = 0; start <= text.size();) {
      std::size_t end = std::min(text.find('\n', start), text.size());
      note("env: " + std::string(text.substr(start, end - start)));
      start = end + 1;
    }
  });
  if (!lease) {
    // One line: the reason travels as a task's state reason; the whole output is in the log.
    std::string why = lease.error().message;
    for (std::size_t at; (at = why.find('\n')) != std::string::npos;)
      why.replace(at, 1, at > 0 && why[at - 1] == ':' ? " " : "; ");
    out.failure = "building the Python environment " + name + " failed: " + why;
    return out;
  }
  note(lease->built() ? "environment " + name + " built" : "environment " + name + " ready (already built on this machine)");
  out.lease = std::move(*lease);
  return out;
}

}  // namespace lab::envs
