#include <lab/transport/from_config.hpp>

namespace lab::transport {

Options options_from_config(const config::TransportSection& section, const std::filesystem::path& db_path,
                            std::string peer_hint) {
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
  return o;
}

}  // namespace lab::transport
