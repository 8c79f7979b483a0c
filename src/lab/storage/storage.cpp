// The table from a storage type name to the factory that opens it.
#include <lab/storage/storage.hpp>

#include <lab/storage/local.hpp>
#include <lab/util/strings.hpp>

namespace lab::storage {
namespace {

// Stands in for the S3 backend until it is built; keeps "s3" a known, named type.
Result<std::unique_ptr<Storage>> make_s3_storage(const StorageOptions&) {
  return fail(Errc::unsupported, "S3 storage is not built yet; use type = \"local\" for now");
}

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
