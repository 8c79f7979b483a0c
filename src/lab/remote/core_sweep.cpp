// Removing the task folders of ended tasks (contract in core.hpp, sweep_folders).
#include "core.hpp"

#include <lab/datasets/cache.hpp>

#include <filesystem>

namespace lab::remote {
namespace fs = std::filesystem;

void Core::sweep_folders() {
  std::error_code ec;
  std::vector<std::string> ids;
  for (fs::directory_iterator it(config_.paths.tasks_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e;
    if (it->is_directory(e) && !it->is_symlink(e)) ids.push_back(it->path().filename().string());
  }
  std::set<std::string> ended;
  for (const auto& id : ids) {
    Result<ledger::Task> task = fail(Errc::not_found, "");
    {
      std::lock_guard lock(db_mu_);
      task = ledger::get_task(*db_, id);
    }
    if (!task || !ledger::is_terminal(task->state)) continue;
    if (!ended_seen_.contains(id)) {
      ended.insert(id);
      continue;
    }
    // remove_tree also gives back write access to folders a job made read-only.
    if (auto r = datasets::remove_tree(fs::path(config_.paths.tasks_dir) / id); !r && unremovable_.insert(id).second)
      say("cannot remove the folder of ended task " + id + ": " + r.error().message);
  }
  ended_seen_ = std::move(ended);
}

}  // namespace lab::remote
