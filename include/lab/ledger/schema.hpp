// The "ledger" component's schema: users, sessions, tasks and their state history, the blob
// index and accounting. Other components (e.g. "transport") keep their own migrations in the
// same file; see docs/ledger.md for every table and column.
#pragma once

#include <lab/ledger/db.hpp>

#include <filesystem>
#include <memory>
#include <span>

namespace lab::ledger {

// The component name under which the tables below are versioned in `schema_versions`.
inline constexpr std::string_view kLedgerComponent = "ledger";

// Every migration of the "ledger" component, numbered 1..n. Never edit a released step;
// append a new one.
std::span<const Migration> ledger_migrations();

// Brings the ledger tables of `db` up to date (see `migrate` for the newer-schema refusal).
Result<void> migrate_ledger(Db& db);

// Opens the ledger file of one server role and migrates it. Fails like `Db::open` and
// `migrate`; on success the file is in WAL mode with the busy timeout of `options`.
Result<std::unique_ptr<Db>> open_ledger(const std::filesystem::path& path, const OpenOptions& options = {});

}  // namespace lab::ledger
