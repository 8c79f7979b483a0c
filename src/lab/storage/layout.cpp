#include <lab/storage/layout.hpp>

#include <lab/storage/key.hpp>

namespace lab::storage::layout {
namespace {

// 'text', built by appending (g++ 12 misreports `"'" + std::string(...)` as an overflow).
std::string quoted(std::string_view text) {
  std::string out(1, '\'');
  out.append(text).push_back('\'');
  return out;
}

// The key, if it passes the shared rules (a relative path may still break them).
Result<std::string> checked(std::string key) {
  if (auto v = validate_key(key); !v) return std::unexpected(v.error());
  return key;
}

}  // namespace

Result<void> validate_hash(std::string_view hash) {
  bool ok = hash.size() == kHashHexLength;
  for (char c : hash) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) {
    return fail(Errc::invalid_argument, quoted(hash.substr(0, 80)) + " is not a content hash (" +
                                            std::to_string(kHashHexLength) + " lower-case hex digits)");
  }
  return {};
}

Result<void> validate_id(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 128 && id.front() != '.';
  for (char c : id) {
    ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                c == '_' || c == '-');
  }
  if (!ok) {
    return fail(Errc::invalid_argument, quoted(id.substr(0, 80)) +
                                            " is not a valid id (1 to 128 of A-Z a-z 0-9 . _ -, not starting with '.')");
  }
  return {};
}

Result<std::string> blob_key(std::string_view h) {
  if (auto v = validate_hash(h); !v) return std::unexpected(v.error());
  return "projects/blobs/" + std::string(h.substr(0, 2)) + "/" + std::string(h);
}

Result<std::string> manifest_key(std::string_view h) {
  if (auto v = validate_hash(h); !v) return std::unexpected(v.error());
  return "projects/manifests/" + std::string(h) + ".json";
}

Result<std::string> env_key(std::string_view h) {
  if (auto v = validate_hash(h); !v) return std::unexpected(v.error());
  return "envs/" + std::string(h) + ".tar.zst";
}

Result<std::string> dataset_prefix(std::string_view h) {
  if (auto v = validate_hash(h); !v) return std::unexpected(v.error());
  return "datasets/" + std::string(h) + "/";
}

Result<std::string> wheel_key(std::string_view h, std::string_view file_name) {
  if (auto v = validate_hash(h); !v) return std::unexpected(v.error());
  if (file_name.find('/') != std::string_view::npos || !file_name.ends_with(".whl")) {
    return fail(Errc::invalid_argument, quoted(file_name) + " is not a wheel file name (name.whl, no '/')");
  }
  return checked("whls/" + std::string(h) + "/" + std::string(file_name));
}

Result<std::string> results_prefix(std::string_view task_id) {
  if (auto v = validate_id(task_id); !v) return std::unexpected(v.error());
  return "results/" + std::string(task_id) + "/";
}

Result<std::string> result_file_key(std::string_view task_id, std::string_view relative_path) {
  auto p = results_prefix(task_id);
  if (!p) return p;
  return checked(*p + "files/" + std::string(relative_path));
}

Result<std::string> result_log_key(std::string_view task_id, std::string_view name) {
  auto p = results_prefix(task_id);
  if (!p) return p;
  if (auto v = validate_id(name); !v) return std::unexpected(v.error());
  return *p + "logs/" + std::string(name);
}

Result<std::string> result_metadata_key(std::string_view task_id) {
  auto p = results_prefix(task_id);
  if (!p) return p;
  return *p + "metadata.json";
}

Result<std::string> result_files_key(std::string_view task_id) {
  auto p = results_prefix(task_id);
  if (!p) return p;
  return *p + "files.json";
}

Result<std::string> message_key(Direction direction, std::string_view message_id) {
  if (auto v = validate_id(message_id); !v) return std::unexpected(v.error());
  const char* box = direction == Direction::to_remote ? "to_remote" : "to_local";
  return "messages/" + std::string(box) + "/" + std::string(message_id) + ".json";
}

Result<std::string> processed_message_key(std::string_view date, std::string_view message_id) {
  bool ok = date.size() == 10 && date[4] == '-' && date[7] == '-';
  for (std::size_t i = 0; i < date.size(); ++i) ok = ok && (i == 4 || i == 7 || (date[i] >= '0' && date[i] <= '9'));
  if (!ok) return fail(Errc::invalid_argument, quoted(date) + " is not a date (YYYY-MM-DD)");
  if (auto v = validate_id(message_id); !v) return std::unexpected(v.error());
  return "messages/processed/" + std::string(date) + "/" + std::string(message_id) + ".json";
}

}  // namespace lab::storage::layout
