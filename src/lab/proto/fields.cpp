#include "fields.hpp"

namespace lab::proto::detail {

const char* json_type_name(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "object";
    case nlohmann::json::value_t::array: return "array";
    case nlohmann::json::value_t::string: return "string";
    case nlohmann::json::value_t::boolean: return "boolean";
    case nlohmann::json::value_t::number_float: return "a fractional number";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "number";
    default: return "something else";
  }
}

FieldReader::FieldReader(const nlohmann::json& obj, std::string what) : obj_(obj), what_(std::move(what)) {
  if (!obj_.is_object())
    error_ = Error{Errc::invalid_argument, what_ + " must be a JSON object, got " + json_type_name(obj_)};
}

void FieldReader::problem(const char* name, const std::string& message) {
  if (!error_) error_ = Error{Errc::invalid_argument, what_ + ": field '" + name + "' " + message};
}

void FieldReader::wrong_type(const char* name, const char* want, const nlohmann::json& got) {
  problem(name, std::string("must be ") + want + ", got " + json_type_name(got));
}

const nlohmann::json* FieldReader::find(const char* name, bool required) {
  if (error_) return nullptr;
  auto it = obj_.find(name);
  if (it == obj_.end() || it->is_null()) {
    if (required) problem(name, "is missing");
    return nullptr;
  }
  return &*it;
}

std::string FieldReader::str(const char* name) {
  auto v = opt_str(name);
  if (!v && ok()) problem(name, "is missing");
  return v.value_or("");
}

std::optional<std::string> FieldReader::opt_str(const char* name) {
  const auto* j = find(name, false);
  if (!j) return std::nullopt;
  if (!j->is_string()) {
    wrong_type(name, "a string", *j);
    return std::nullopt;
  }
  return j->get<std::string>();
}

std::int64_t FieldReader::i64(const char* name, std::int64_t min) {
  auto v = opt_i64(name, min);
  if (!v && ok()) problem(name, "is missing");
  return v.value_or(0);
}

std::optional<std::int64_t> FieldReader::opt_i64(const char* name, std::int64_t min) {
  const auto* j = find(name, false);
  if (!j) return std::nullopt;
  if (!j->is_number_integer()) {
    wrong_type(name, "a whole number", *j);
    return std::nullopt;
  }
  if (j->is_number_unsigned() && j->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    problem(name, "is too large");
    return std::nullopt;
  }
  auto v = j->get<std::int64_t>();
  if (v < min) {
    problem(name, "must be at least " + std::to_string(min) + ", got " + std::to_string(v));
    return std::nullopt;
  }
  return v;
}

const nlohmann::json& FieldReader::array(const char* name) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const auto* j = find(name, false);
  if (!j) return kEmpty;
  if (!j->is_array()) {
    wrong_type(name, "an array", *j);
    return kEmpty;
  }
  return *j;
}

std::vector<std::string> FieldReader::str_list(const char* name) {
  std::vector<std::string> out;
  const auto& arr = array(name);
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) {
      problem(name, "must hold only strings; item " + std::to_string(i) + " is " + json_type_name(arr[i]));
      return {};
    }
    out.push_back(arr[i].get<std::string>());
  }
  return out;
}

std::optional<nlohmann::json> FieldReader::opt_object(const char* name) {
  const auto* j = find(name, false);
  if (!j) return std::nullopt;
  if (!j->is_object()) {
    wrong_type(name, "an object", *j);
    return std::nullopt;
  }
  return *j;
}

}  // namespace lab::proto::detail
