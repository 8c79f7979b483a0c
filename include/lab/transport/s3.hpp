// The `s3` transport backend: messages as objects in the bucket both sides already share for
// storage, for sites where neither side can accept connections. Both sides only make outbound
// requests; each polls its incoming channel. docs/transport.md ("The s3 backend") has the
// object layout, the lease and the request rate.
#pragma once

#include <lab/transport/transport.hpp>

namespace lab::transport {

// Builds the s3 backend from `options.s3` (bucket, credentials) and `options.poll_interval`.
// Creates the transport's tables in `options.db_path`, lists the bucket once (a wrong secret
// or a missing bucket fails here, in plain words; a store that is down is only logged, and
// messages wait in the outbox), and starts the outbox delivery thread.
Result<std::unique_ptr<Transport>> make_s3_transport(const Options& options);

}  // namespace lab::transport
