// Sections shared by the role configs (proxy.toml, remote.toml): how the proxy and the
// remote reach each other, where bulk data lives, and the local database. Described in
// docs/config.md. Paths here are already absolute (resolved against the config's folder).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lab::config {

// [transport]: the control channel between proxy and remote: an HTTP long-poll mailbox
// ("http"), or message objects in the [storage] bucket both sides share ("s3").
struct TransportSection {
  std::string type = "http";                       // "http" or "s3"
  bool listen = false;                             // true: this side hosts the mailbox
  std::string host = "0.0.0.0";                    // where to listen (listen = true)
  int port = 8801;
  std::optional<std::string> url;                  // the mailbox to reach (listen = false)
  std::string token;                               // secret shared by both sides; never logged
  std::optional<std::string> tls_ca;               // CA bundle to verify `url` with
  int poll_timeout_ms = 25'000;                    // how long one long-poll waits
  int poll_interval_ms = 1'000;                    // s3: how often an idle receiver lists its channel
};

// [storage]: where projects, environments and results are kept.
struct StorageSection {
  std::string type = "local";                      // "local" or "s3"
  std::string root;                                // local: the folder (required)
  std::optional<std::string> endpoint;             // s3: "https://s3.example.org"; AWS when unset
  std::string bucket;                              // s3: required
  std::string region = "us-east-1";
  std::string prefix;                              // key prefix inside the bucket
  std::optional<std::string> access_key;           // secret; environment variables may supply it instead
  std::optional<std::string> secret_key;           // secret
  std::optional<std::string> session_token;        // secret
  std::string addressing = "path";                 // "path" or "virtual"
};

// [database]: the SQLite file a role keeps its state in.
struct DatabaseSection {
  std::string path;                                // required
};

}  // namespace lab::config
