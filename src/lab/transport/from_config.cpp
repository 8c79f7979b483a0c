#include <lab/transport/from_config.hpp>

#include <lab/storage/from_config.hpp>

namespace lab::transport {

Options options_from_config(const config::TransportSection& section, const config::StorageSection& storage,
                            const std::filesystem::path& db_path, std::string peer_hint) {
  Options o;
  o.type = section.type;
  o.listen = section.listen;
  o.listen_host = section.host;
  o.listen_port = section.port;
  o.url = section.url.value_or("");
  o.token = section.token;
  o.tls_ca_file = section.tls_ca.value_or("");
  o.db_path = db_path;
  o.peer_hint = std::move(peer_hint);
  if (section.type == "s3") {
    o.s3 = storage::options_from_config(storage).s3;
    o.poll_interval = std::chrono::milliseconds(section.poll_interval_ms);
  }
  return o;
}

}  // namespace lab::transport
