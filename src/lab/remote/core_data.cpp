// The Core's dataset step (docs/datasets.md): before a task is handed over, each dataset it
// names is made whole in the remote's dataset cache; for Slurm it is linked into the task
// folder as datasets/<name>, workers fetch it from the cache through /worker/v1.
#include "core.hpp"

namespace lab::remote {

Result<std::vector<datasets::Use>> Core::stored_datasets(const store::TaskRow& row) {
  proto::Envelope env;
  env.type = std::string(proto::SubmitTask::kType);
  env.body = nlohmann::json::parse(row.submit_json, nullptr, false);
  auto msg = proto::decode(env);
  if (!msg || !std::holds_alternative<proto::SubmitTask>(*msg))
    return fail(Errc::corrupt, "the stored submission of task " + row.task_id + " cannot be read");
  const auto& m = std::get<proto::SubmitTask>(*msg);
  return task_datasets(m.spec, m.storage_keys.data);
}

bool Core::prepare_data(const ledger::Task& task, const std::vector<datasets::Use>& uses,
                        const std::filesystem::path& folder) {
  DatasetHooks hooks;
  hooks.note = [&](const std::string& text) {
    (void)write([&](ledger::Db& tx) { return note_tx(tx, task.id, text); });
  };
  hooks.status = [&](const std::string& reason) {
    (void)write([&](ledger::Db& tx) {
      return send_status(tx, task.id, ledger::TaskState::preparing, reason, clock_->now_ms());
    });
  };
  // Workers bring each dataset into their own cache; the bundle they fetch must not carry
  // links that point outside the task folder.
  const bool link = config_.executor.type != "workers";
  auto r = prepare_datasets(*storage_, blobs_, datasets_, uses, folder, link, hooks);
  if (!r) {
    end_unstarted(task.id, ledger::TaskState::failed, r.error().message);
    return false;
  }
  return true;
}

}  // namespace lab::remote
