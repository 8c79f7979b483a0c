// The proxy's own tables in its ledger file, versioned under the migration component
// "proxy" (docs/proxy.md, "Tables"). The ledger's and the transport's tables live in the
// same file under their own components.
#pragma once

#include <lab/ledger/db.hpp>

#include <filesystem>
#include <memory>

namespace lab::proxy {

inline constexpr std::string_view kProxyComponent = "proxy";

// Brings the "proxy" tables of `db` up to date. Idempotent.
Result<void> migrate_proxy(ledger::Db& db);

// Opens the proxy's ledger file: the ledger's, the transport's and the proxy's tables, all
// migrated. Fails naming the file.
Result<std::unique_ptr<ledger::Db>> open_proxy_db(const std::filesystem::path& path);

}  // namespace lab::proxy
