#include <lab/config/diagnostic.hpp>

namespace lab::config {

std::string Diagnostic::str() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string format(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) out += d.str() + "\n";
  return out;
}

Error to_error(const std::vector<Diagnostic>& diagnostics) {
  bool missing = diagnostics.size() == 1 && diagnostics[0].line == 0 && diagnostics[0].message == "no such file";
  std::string text = format(diagnostics);
  if (!text.empty()) text.pop_back();
  return Error{missing ? Errc::not_found : Errc::invalid_argument, text};
}

}  // namespace lab::config
