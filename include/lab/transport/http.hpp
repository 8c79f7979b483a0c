// The `http` transport backend: one side serves a durable mailbox over HTTP(S) long-poll,
// the other connects to it. docs/transport.md describes the wire protocol.
#pragma once

#include <lab/transport/transport.hpp>

namespace lab::transport {

// Builds the http backend (listening or connecting, per `options.listen`). Creates the
// transport's tables in `options.db_path` if needed, starts the outbox delivery thread and,
// when listening, the HTTP server. Fails if the db cannot be opened, the port cannot be
// bound, TLS files cannot be loaded, or the URL/token is missing.
Result<std::unique_ptr<Transport>> make_http_transport(const Options& options);

}  // namespace lab::transport
