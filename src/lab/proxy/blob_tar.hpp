// A push parser for the blob upload stream (docs/api.md, "Uploading a project"): an
// uncompressed POSIX tar whose regular-file entries are named by their content hash. Bytes
// arrive in pieces of any size, as an HTTP body does; the parser never holds more than one
// 512-byte header (plus a bounded pax header). Private to lab::proxy.
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lab::proxy {

// What the parser reports, in order: begin, data (zero or more), end, for each file entry.
// An error returned by a callback stops the parse and is returned by `feed`.
struct TarSink {
  std::function<Result<void>(const std::string& name, std::uint64_t size)> begin;
  std::function<Result<void>(std::string_view bytes)> data;
  std::function<Result<void>()> end;
};

// Largest pax extended header accepted.
inline constexpr std::uint64_t kMaxPaxHeaderBytes = 1u << 20;

class TarStreamParser {
 public:
  explicit TarStreamParser(TarSink sink) : sink_(std::move(sink)) {}

  // Parses the next bytes. Fails with invalid_argument for a damaged header (bad checksum,
  // bad size), an entry that is neither a regular file nor a folder, or a callback's error.
  // After a failure, further calls fail the same way.
  Result<void> feed(std::string_view bytes);

  // The stream ended: fails if it stopped inside an entry or header.
  Result<void> finish();

  // Whether the two zero blocks that end a tar were seen.
  bool ended() const { return state_ == State::ended; }

 private:
  enum class State { header, content, padding, pax, ended, failed };
  Result<void> on_header();
  Result<void> parse_pax();

  TarSink sink_;
  State state_ = State::header;
  std::string block_;             // the header being collected (up to 512 bytes)
  std::string pax_;               // a pax extended header being collected
  std::string pax_path_;          // the path the last pax header gave the next entry
  std::uint64_t remaining_ = 0;   // content bytes left in this entry
  std::uint64_t padding_ = 0;     // padding bytes left after it
  bool is_file_ = false;          // this entry's content goes to the sink
  int zero_blocks_ = 0;
  Error error_;
};

}  // namespace lab::proxy
