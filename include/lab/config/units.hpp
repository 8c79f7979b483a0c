// The quantities config files are written in: memory sizes and time limits.
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace lab::config {

// Bytes in a memory size written like Slurm's --mem: "16G", "512M", "1.5G", "4GiB", "16 GB",
// "2T", "800K"; a bare number ("2048") is MiB. Units are binary and case-insensitive (G = GB =
// GiB = 2^30). Fails (invalid_argument, with a hint) on anything else, on sizes below 1 MiB,
// and on sizes above 64 TiB.
Result<std::uint64_t> parse_memory(std::string_view text);

// Memory given as a TOML integer: MiB, like Slurm. Fails when not in 1..64 TiB.
Result<std::uint64_t> memory_from_mib(std::int64_t mib);

// Seconds in a time limit written like Slurm's --time: "MM", "MM:SS", "HH:MM:SS", "D-HH",
// "D-HH:MM", "D-HH:MM:SS"; or with units: "90m", "2h", "1h30m", "1d12h", "45s". A bare
// number is minutes. Fails (invalid_argument, with a hint) on anything else, on zero, and
// on limits above 365 days.
Result<std::int64_t> parse_duration(std::string_view text);

// A time limit given as a TOML integer: minutes, like Slurm.
Result<std::int64_t> duration_from_minutes(std::int64_t minutes);

// Seconds in Slurm's form: "1:30:00", "2-00:00:00" (days only when at least one day).
std::string format_duration(std::int64_t seconds);

}  // namespace lab::config
