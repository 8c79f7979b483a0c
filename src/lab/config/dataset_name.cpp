#include <lab/config/dataset_name.hpp>

namespace lab::config {
namespace {

bool letter_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

std::optional<std::string> dataset_name_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxDatasetNameLength)
    return "is " + std::to_string(name.size()) + " characters long; keep it to " + std::to_string(kMaxDatasetNameLength);
  for (char c : name)
    if (!letter_or_digit(c) && c != '.' && c != '_' && c != '-')
      return "may use only letters, digits, '.', '_' and '-', got \"" + std::string(name) + "\"";
  if (!letter_or_digit(name.front())) return "must start with a letter or a digit, got \"" + std::string(name) + "\"";
  return std::nullopt;
}

}  // namespace lab::config
