// The table from a storage type name to the factory that opens it.
#include <lab/storage/storage.hpp>

#include <lab/storage/local.hpp>
#include <lab/storage/s3.hpp>
#include <lab/util/strings.hpp>

namespace lab::storage {
namespace {

struct Backend {
  const char* type;
  Result<std::unique_ptr<Storage>> (*make)(const StorageOptions&);
};

constexpr Backend kBackends[] = {
    {"local", make_local_storage},
    {"s3", make_s3_storage},
};

}  // namespace

std::vector<std::string> storage_types() {
  std::vector<std::string> names;
  for (const auto& b : kBackends) names.emplace_back(b.type);
  return names;
}

std::string describe(const StorageOptions& options) {
  if (options.type == "s3") return options.s3.redacted();
  if (options.type == "local") return "local root=" + options.root.string();
  return options.type;
}

Result<std::unique_ptr<Storage>> make_storage(const StorageOptions& options) {
  for (const auto& b : kBackends) {
    if (options.type == b.type) return b.make(options);
  }
  auto names = storage_types();
  std::string message = "unknown storage type '" + options.type + "'";
  if (auto near = util::closest_match(options.type, names)) message += " (did you mean '" + *near + "'?)";
  message += "; known types: " + util::join(names, ", ");
  return fail(Errc::invalid_argument, message);
}

}  // namespace lab::storage
