// Datasets in the proxy's ledger (table proxy_datasets, docs/proxy.md): a name per owner
// pointing at the manifest of its latest sync. Who may use which (docs/api.md, "Datasets"):
// a user their own datasets and every admin's (course-wide ones); a name resolves to the
// caller's own dataset first, then to the admins' (the most recently synced). A dataset the
// caller may not use answers exactly like a missing one. Private to lab::proxy.
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/ledger/users.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::proxy {

struct Dataset {
  std::int64_t user_id = 0;
  std::string owner;          // the owner's user name
  bool course_wide = false;   // the owner is an admin
  std::string name;
  std::string manifest;       // hash; the manifest is at datasets/<manifest>/manifest.json
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

// What a sync changed: the dataset as stored now and the manifest it replaced (nullopt
// when the name is new for this owner).
struct DatasetSync {
  Dataset dataset;
  std::optional<std::string> previous;
};

// Points `owner`'s dataset `name` at `manifest` (creating the row or replacing its manifest,
// files and bytes). The name must already be valid (config::dataset_name_problem).
Result<DatasetSync> record_dataset(ledger::Db& db, const ledger::User& owner, const std::string& name,
                                   const std::string& manifest, std::int64_t files, std::int64_t bytes,
                                   std::int64_t now_ms);

// The dataset `name` resolves to for `user`; Errc::not_found naming it (and saying how to
// list or sync datasets) when there is none the user may use.
Result<Dataset> resolve_dataset(ledger::Db& db, const ledger::User& user, std::string_view name);

// The user's own datasets and every admin's, sorted by name, then own before course-wide,
// then the most recently synced first; with `all` (the caller checks it is an admin)
// everyone's.
Result<std::vector<Dataset>> list_datasets(ledger::Db& db, const ledger::User& user, bool all);

}  // namespace lab::proxy
