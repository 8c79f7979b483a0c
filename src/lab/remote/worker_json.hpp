// Field readers for worker protocol bodies; each error names the field.
#pragma once

#include <lab/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lab::remote {

// The field `name` of object `j`; invalid_argument if `j` is not an object or lacks it.
Result<const nlohmann::json*> field(const nlohmann::json& j, const char* name);
// A non-empty string field.
Result<std::string> string_field(const nlohmann::json& j, const char* name);
// A whole number >= 0; `fallback` when absent (nullopt = required).
Result<std::int64_t> int_field(const nlohmann::json& j, const char* name, std::optional<std::int64_t> fallback = {});
// A number >= 0; 0 when absent.
Result<double> number_field(const nlohmann::json& j, const char* name);
// An array of GPU indices; empty when absent.
Result<std::vector<int>> gpus_field(const nlohmann::json& j, const char* name);

}  // namespace lab::remote
