// The `local` storage backend: objects are files under one folder (docs/storage.md).
#pragma once

#include <memory>

#include <lab/result.hpp>
#include <lab/storage/storage.hpp>

namespace lab::storage {

// Opens a store rooted at `options.root`, creating the folder if missing. Errc::invalid_argument
// if no root is given, Errc::io if it cannot be created or is not a folder.
Result<std::unique_ptr<Storage>> make_local_storage(const StorageOptions& options);

}  // namespace lab::storage
