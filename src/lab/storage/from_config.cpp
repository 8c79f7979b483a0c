#include <lab/storage/from_config.hpp>

namespace lab::storage {

StorageOptions options_from_config(const config::StorageSection& section,
                                   const std::function<const char*(const char*)>& getenv) {
  StorageOptions o;
  o.type = section.type;
  o.root = section.root;
  s3::S3Options& s = o.s3;
  s.endpoint = section.endpoint.value_or("https://s3." + section.region + ".amazonaws.com");
  s.bucket = section.bucket;
  s.region = section.region;
  s.prefix = section.prefix;
  s.access_key = section.access_key.value_or("");
  s.secret_key = section.secret_key.value_or("");
  s.session_token = section.session_token.value_or("");
  s.addressing = section.addressing == "virtual" ? s3::Addressing::virtual_hosted : s3::Addressing::path;
  s.apply_env_fallback(getenv);
  return o;
}

Result<std::unique_ptr<Storage>> open_storage(const config::StorageSection& section, std::string_view config_file) {
  auto store = make_storage(options_from_config(section));
  if (store) return store;
  Error e = store.error();
  // lab::s3 names remote.toml; the proxy's file is another one.
  const std::string generic = "check [storage] in remote.toml";
  if (auto at = e.message.find(generic); at != std::string::npos && config_file != "remote.toml")
    e.message.replace(at, generic.size(), "check [storage] in " + std::string(config_file));
  return std::unexpected(e);
}

}  // namespace lab::storage
