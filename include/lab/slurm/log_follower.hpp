// Follows a job's output file while Slurm writes it, handing on only what is new.
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace lab::slurm {

// Reads a growing file from where it last stopped. Not thread-safe: one owner polls it.
class LogFollower {
 public:
  // Largest chunk one `read_new` returns.
  static constexpr std::size_t kMaxChunk = 1 << 20;

  explicit LogFollower(std::filesystem::path path) : path_(std::move(path)) {}

  // The bytes appended since the last call (at most `max_bytes`); empty when nothing is
  // new or the file does not exist yet. If the file shrank (a requeued job starts it
  // again) reading restarts at its beginning. Fails with Errc::io when it cannot be read.
  Result<std::string> read_new(std::size_t max_bytes = kMaxChunk);

  // Everything left after the job ended, however large, for the final flush.
  Result<std::string> read_rest();

  // Bytes handed on so far.
  std::uint64_t offset() const { return offset_; }

 private:
  std::filesystem::path path_;
  std::uint64_t offset_ = 0;
};

}  // namespace lab::slurm
