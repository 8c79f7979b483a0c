// Error values for library code: every fallible function returns `lab::Result<T>`.
// Exceptions are not used below the command entry points (src/lab/cli/dispatch.cpp
// turns an escaped exception into one line and exit code 70).
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace lab {

// What kind of failure, so callers can tell "not there" from "timed out" from "broken".
enum class Errc {
  invalid_argument,  // the caller or the user gave something malformed
  not_found,         // the thing asked for does not exist; not an I/O failure
  already_exists,
  permission_denied,
  unauthenticated,   // missing or wrong credentials
  timeout,           // the peer did not answer in time; the operation may be retried
  unavailable,       // the peer or resource is down or unreachable
  io,                // local disk or process failure
  corrupt,           // data that fails a check (hash, schema, archive entry)
  conflict,          // state does not allow the operation (e.g. cancel a finished task)
  unsupported,       // not built or not configured
  internal,
};

// A failure a user can act on: `message` is one plain sentence that names what failed
// and, where possible, what to do about it.
struct Error {
  Errc code = Errc::internal;
  std::string message;
};

template <class T = void>
using Result = std::expected<T, Error>;

// `return fail(Errc::not_found, "no task " + id);` from any function returning Result<T>.
inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

// Prefixes context to an error while keeping its kind: "reading task.toml: <message>".
inline std::unexpected<Error> fail_with_context(const Error& e, const std::string& context) {
  return std::unexpected<Error>(Error{e.code, context + ": " + e.message});
}

// Name of an error kind for logs and JSON ("not_found").
const char* errc_name(Errc code);

}  // namespace lab
