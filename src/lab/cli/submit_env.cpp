#include "submit_env.hpp"

namespace lab::cli {

Result<envs::EnvKey> explain_environment(const config::TaskSpec& spec, const std::filesystem::path& root,
                                         std::FILE* out) {
  auto key = envs::compute_key(root, spec.environment);
  if (!key) return std::unexpected(key.error());
  if (key->needs_build())
    std::fprintf(out, "environment: %s (key %s)\n", key->describe().c_str(), key->hex.substr(0, 12).c_str());
  for (const auto& n : key->notes) std::fprintf(out, "environment: note: %s\n", n.c_str());
  if (key->source == envs::Source::guessed) std::fputs(envs::describe_guess(key->guess).c_str(), out);
  return key;
}

}  // namespace lab::cli
