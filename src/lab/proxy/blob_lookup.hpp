// Which blobs the proxy's storage lacks: the ledger's blob index first, then storage itself
// for the hashes the index does not hold. A blob can be in storage without the index knowing
// (another proxy on the same bucket, a ledger restored from an older copy, an object put there
// by another S3 client); such blobs are added to the index and never uploaded again.
// Private to lab::proxy.
#pragma once

#include "context.hpp"

#include <lab/ledger/db.hpp>

#include <span>
#include <string>
#include <vector>

namespace lab::proxy {

// Storage is asked about the hashes of one blob folder (projects/blobs/<h[0:2]>/) with one
// listing when at least this many of them are unknown, else with one HEAD each.
inline constexpr std::size_t kListBlobFolderFrom = 4;
// Storage requests in flight at once while looking.
inline constexpr int kLookupThreads = 8;

// Of `hashes` (valid content hashes), those with no blob in storage, in first-seen order
// without repeats. Errors: the ledger's, or storage's when it cannot be asked.
Result<std::vector<std::string>> missing_blobs(Context& ctx, ledger::Db& db, std::span<const std::string> hashes);

}  // namespace lab::proxy
