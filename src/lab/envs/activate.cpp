#include <lab/envs/activate.hpp>

namespace lab::envs {

namespace {

std::string single_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::map<std::string, std::string> activation_env(const std::filesystem::path& root, std::string_view base_path) {
  if (root.empty()) return {};
  std::string bin = (root / "bin").string();
  return {{"VIRTUAL_ENV", root.string()},
          {"PATH", base_path.empty() ? bin : bin + ":" + std::string(base_path)},
          {"PYTHONHOME", ""}};
}

std::string activation_script(const std::filesystem::path& root) {
  if (root.empty()) return {};
  return "export VIRTUAL_ENV=" + single_quoted(root.string()) + "\n" + "export PATH=\"$VIRTUAL_ENV/bin:$PATH\"\n" +
         "unset PYTHONHOME\n";
}

}  // namespace lab::envs
