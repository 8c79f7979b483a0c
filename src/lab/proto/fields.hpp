// Reads typed fields out of a JSON object, remembering the first problem as a message that
// names the field ("status_update: field 'status' must be a string, got number").
// Private to src/lab/proto.
#pragma once

#include <lab/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lab::proto::detail {

class FieldReader {
 public:
  // `what` prefixes every message; `obj` must outlive the reader.
  FieldReader(const nlohmann::json& obj, std::string what);

  // Required fields: on a problem they record it and return an empty value.
  std::string str(const char* name);
  std::int64_t i64(const char* name, std::int64_t min = INT64_MIN);
  std::vector<std::string> str_list(const char* name);
  const nlohmann::json& array(const char* name);
  // Optional fields: absent or null gives nullopt; a wrong type is still a problem.
  std::optional<std::string> opt_str(const char* name);
  std::optional<std::int64_t> opt_i64(const char* name, std::int64_t min = INT64_MIN);
  std::optional<nlohmann::json> opt_object(const char* name);

  // Records a problem found by the caller (e.g. a value outside an allowed set).
  void problem(const char* name, const std::string& message);
  bool ok() const { return !error_; }
  // The first problem. REQUIRES: !ok().
  Error error() const { return *error_; }

 private:
  const nlohmann::json* find(const char* name, bool required);
  void wrong_type(const char* name, const char* want, const nlohmann::json& got);

  const nlohmann::json& obj_;
  std::string what_;
  std::optional<Error> error_;
};

// "number", "string", ... for messages.
const char* json_type_name(const nlohmann::json& j);

}  // namespace lab::proto::detail
