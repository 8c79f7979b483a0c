// The mailbox's HTTP endpoints (docs/transport.md, "Wire protocol"). Private to src/lab/transport.
#pragma once

#include "mailbox.hpp"

#include <lab/net/server.hpp>

#include <string>
#include <vector>

namespace lab::transport::detail {

// Longest wait and largest batch one receive request may ask for.
inline constexpr int kMaxReceiveBatch = 1000;

// Registers /v1/health and /v1/channels/{channel}/{messages,receive,ack,pending} on `server`,
// served from `mailbox`, which must outlive the server.
void add_mailbox_routes(net::Server& server, Mailbox& mailbox);

// `{"messages":[<json>,...]}` plus `extra` fields, built without re-parsing stored JSON.
std::string messages_body(const std::vector<Stored>& messages, const std::string& extra = "");

}  // namespace lab::transport::detail
