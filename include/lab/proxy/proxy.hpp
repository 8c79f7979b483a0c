// The `lab proxy` role: the students' entry point. It serves the REST API of docs/api.md
// (accounts, uploads, tasks, logs, results), keeps everything in its ledger file, sends
// submit/cancel messages to the remote through the durable outbox and applies the remote's
// status updates, log chunks and completions exactly once. docs/proxy.md describes its
// tables, threads and limits.
#pragma once

#include <lab/config/roles.hpp>
#include <lab/ledger/users.hpp>
#include <lab/result.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lab::proxy {

struct Options {
  config::ProxyConfig config;
  // Where the proxy's log lines go; nullptr = standard error.
  std::function<void(std::string_view)> log;
};

// A running proxy. Thread-safety: `url` from any thread; `stop` once, not from a handler.
class Proxy {
 public:
  virtual ~Proxy() = default;
  // The API's base URL as this machine reaches it, e.g. "http://127.0.0.1:8800" (the real
  // port when the config said 0).
  virtual std::string url() const = 0;
  // The transport's listening URL when this proxy hosts the mailbox, else "".
  virtual std::string transport_url() const = 0;
  // Stops serving (waking every waiting log long-poll), stops consuming, closes the ledger.
  virtual void stop() = 0;
};

// Opens the ledger (creating and migrating it), storage and transport, starts the HTTP
// server and the consumer of remote messages. Fails naming what could not be opened or
// bound (e.g. "port 8800 is in use").
Result<std::unique_ptr<Proxy>> start(const Options& options);

// Creates an account directly in the ledger of `config` (what `lab proxy user add` does; the
// proxy may be running). invalid_argument for a bad name or a short password,
// already_exists for a taken name.
Result<ledger::User> add_user(const config::ProxyConfig& config, std::string_view name, std::string_view password,
                              bool is_admin);

}  // namespace lab::proxy
