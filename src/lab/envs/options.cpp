#include <lab/envs/builder.hpp>

namespace lab::envs {

BuilderOptions builder_options(const config::RemoteConfig& c) {
  BuilderOptions o;
  o.envs_dir = c.paths.envs_dir;
  o.python = c.environments.python;
  o.index_url = c.environments.index_url;
  if (c.environments.wheelhouse) o.wheelhouse = *c.environments.wheelhouse;
  o.max_bytes = static_cast<std::uint64_t>(c.environments.max_size_gb * 1e9);
  o.build_timeout = std::chrono::seconds(c.environments.build_timeout_s);
  return o;
}

}  // namespace lab::envs
