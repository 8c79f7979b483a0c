// The `s3` storage backend: objects in one bucket of an S3-compatible store, under an
// optional key prefix, through lab::s3::Client (docs/storage.md, docs/s3.md).
#pragma once

#include <memory>

#include <lab/result.hpp>
#include <lab/storage/storage.hpp>

namespace lab::storage {

// Opens the bucket `options.s3` names and lists one key to check it answers, so a wrong
// secret, a missing bucket, a skewed clock or a store that is down fails here, when a role
// starts, in the words of docs/s3.md ("Error mapping"). Errc::invalid_argument /
// unauthenticated for options a client cannot use.
Result<std::unique_ptr<Storage>> make_s3_storage(const StorageOptions& options);

}  // namespace lab::storage
