// JSON answers of the proxy -> lab::client types (private to lab::client). Each throws
// nlohmann::json::exception on a malformed answer; the caller turns that into an Error.
#pragma once

#include <lab/client/types.hpp>

#include <nlohmann/json.hpp>

namespace lab::client::decode {

User user(const nlohmann::json& j);
Session session(const nlohmann::json& j);
Task task(const nlohmann::json& j);
TaskPage task_page(const nlohmann::json& j);
ResultList results(const nlohmann::json& j);
Dataset dataset(const nlohmann::json& j);

}  // namespace lab::client::decode
