// Turns a role config's [transport] section into transport Options, so the proxy, the remote
// and `lab demo` open their side of the control plane the same way.
#pragma once

#include <lab/config/sections.hpp>
#include <lab/transport/transport.hpp>

#include <filesystem>
#include <string>

namespace lab::transport {

// Options for one side of the transport: `section` says whether it listens (host/port) or
// connects (`url`, verified against `tls_ca` for https), or (type = "s3") that messages go
// through the bucket `storage` names; `db_path` is the role's ledger file, which also holds
// the outbox and, when listening, the mailbox. `peer_hint` ends "cannot reach" messages,
// e.g. "is `lab remote` running?".
Options options_from_config(const config::TransportSection& section, const config::StorageSection& storage,
                            const std::filesystem::path& db_path, std::string peer_hint);

}  // namespace lab::transport
