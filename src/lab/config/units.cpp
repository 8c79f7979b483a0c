#include <lab/config/units.hpp>

#include <lab/util/strings.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

namespace lab::config {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kMaxMemory = 64ull << 40;
constexpr std::int64_t kMaxSeconds = 365ll * 24 * 3600;

const char* kMemoryHint = "write a number with a unit, like \"512M\", \"16G\" or \"1.5G\"";
const char* kTimeHint = "write it like \"2:00:00\" (hours:minutes:seconds), \"1-12:00:00\" (days-hours:minutes:seconds), \"90m\" or \"4h\"";

std::string q(std::string_view s) {
  std::string r;
  r.reserve(s.size() + 2);
  r.push_back('"');
  r.append(s.data(), s.size());
  r.push_back('"');
  return r;
}

// A non-negative whole number made only of digits.
std::optional<std::int64_t> digits(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

Result<std::int64_t> limit_seconds(std::int64_t s, std::string_view text) {
  if (s <= 0) return fail(Errc::invalid_argument, "a time limit must be more than zero; " + std::string(kTimeHint));
  if (s > kMaxSeconds) return fail(Errc::invalid_argument, q(text) + " is more than 365 days");
  return s;
}

// "D-HH:MM:SS" and its shorter Slurm forms.
Result<std::int64_t> parse_clock(std::string_view text) {
  auto bad = [&](std::string why) { return fail(Errc::invalid_argument, q(text) + " " + why + "; " + kTimeHint); };
  std::int64_t days = 0;
  std::string_view rest = text;
  bool has_days = false;
  if (auto dash = rest.find('-'); dash != std::string_view::npos) {
    auto d = digits(rest.substr(0, dash));
    if (!d) return bad("has no number of days before '-'");
    days = *d;
    has_days = true;
    rest = rest.substr(dash + 1);
  }
  std::vector<std::string> parts = util::split(rest, ':');
  if (parts.size() > 3) return bad("has too many ':' fields");
  std::vector<std::int64_t> n;
  for (const auto& p : parts) {
    auto v = digits(p);
    if (!v) return bad(p.empty() ? "has an empty field" : "has \"" + p + "\", which is not a number");
    n.push_back(*v);
  }
  std::int64_t h = 0, m = 0, s = 0;
  if (has_days) {  // D-HH, D-HH:MM, D-HH:MM:SS
    h = n[0];
    if (n.size() > 1) m = n[1];
    if (n.size() > 2) s = n[2];
    if (h >= 24) return bad("has " + std::to_string(h) + " hours after the days; hours must be below 24");
  } else if (n.size() == 1) {  // MM
    m = n[0];
  } else if (n.size() == 2) {  // MM:SS
    m = n[0];
    s = n[1];
  } else {  // HH:MM:SS
    h = n[0];
    m = n[1];
    s = n[2];
  }
  const bool minutes_bounded = has_days ? n.size() >= 2 : n.size() == 3;
  if (minutes_bounded && m >= 60)
    return bad("has " + std::to_string(m) + " minutes; minutes must be below 60");
  if (s >= 60) return bad("has " + std::to_string(s) + " seconds; seconds must be below 60");
  return limit_seconds(((days * 24 + h) * 60 + m) * 60 + s, text);
}

// The seconds in one unit word ("h", "hours", "min", ...), or 0 when unknown.
std::int64_t unit_seconds(const std::string& u) {
  if (u == "d" || u == "day" || u == "days") return 86400;
  if (u == "h" || u == "hr" || u == "hrs" || u == "hour" || u == "hours") return 3600;
  if (u == "m" || u == "min" || u == "mins" || u == "minute" || u == "minutes") return 60;
  if (u == "s" || u == "sec" || u == "secs" || u == "second" || u == "seconds") return 1;
  return 0;
}

// "1h30m", "90m", "2d", "45s", "2 hours", "1h 30min".
Result<std::int64_t> parse_units(std::string_view text) {
  if (text.find('.') != std::string_view::npos)
    return fail(Errc::invalid_argument, q(text) + " has a fraction; use whole numbers, like \"1h30m\" or \"90m\"");
  std::int64_t total = 0;
  std::size_t i = 0;
  std::vector<std::int64_t> seen;
  auto is_space = [&](std::size_t j) { return j < text.size() && std::isspace(static_cast<unsigned char>(text[j])); };
  while (i < text.size()) {
    while (is_space(i)) ++i;
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    auto v = digits(text.substr(start, i - start));
    while (is_space(i)) ++i;
    std::size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = util::to_lower(text.substr(ustart, i - ustart));
    if (!v || unit.empty()) return fail(Errc::invalid_argument, q(text) + " is not a time limit; " + kTimeHint);
    std::int64_t mult = unit_seconds(unit);
    if (mult == 0)
      return fail(Errc::invalid_argument, q(text) + " has an unknown unit '" + unit + "'; use d, h, m or s, or " + kTimeHint);
    if (std::find(seen.begin(), seen.end(), mult) != seen.end())
      return fail(Errc::invalid_argument, q(text) + " gives '" + unit + "' twice");
    seen.push_back(mult);
    total += *v * mult;
    if (total > kMaxSeconds * 2) break;
    while (is_space(i)) ++i;
  }
  return limit_seconds(total, text);
}

}  // namespace

Result<std::uint64_t> memory_from_mib(std::int64_t mib) {
  if (mib <= 0) return fail(Errc::invalid_argument, "memory must be more than zero; " + std::string(kMemoryHint));
  if (static_cast<std::uint64_t>(mib) > kMaxMemory / kMiB)
    return fail(Errc::invalid_argument, std::to_string(mib) + " MiB is more than 64 TiB (a bare number counts MiB; " + kMemoryHint + ")");
  return static_cast<std::uint64_t>(mib) * kMiB;
}

Result<std::uint64_t> parse_memory(std::string_view text) {
  std::string_view s = util::trim(text);
  if (s.empty()) return fail(Errc::invalid_argument, "memory is empty; " + std::string(kMemoryHint));
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  std::string_view num = s.substr(0, i);
  std::string unit = util::to_lower(util::trim(s.substr(i)));
  if (num.empty()) {
    if (!s.empty() && s.front() == '-') return fail(Errc::invalid_argument, "memory cannot be negative");
    return fail(Errc::invalid_argument, q(text) + " does not start with a number; " + kMemoryHint);
  }
  double value = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
  if (ec != std::errc() || p != num.data() + num.size() || num.find('.') != num.rfind('.') || num.back() == '.')
    return fail(Errc::invalid_argument, q(num) + " is not a number; " + kMemoryHint);
  std::uint64_t mult = 0;
  if (unit.empty()) mult = kMiB;
  else if (unit == "b") mult = 1;
  else {
    std::string base = unit;
    if (base.size() == 3 && base.substr(1) == "ib") base = base.substr(0, 1);
    else if (base.size() == 2 && base[1] == 'b') base = base.substr(0, 1);
    if (base == "k") mult = 1ull << 10;
    else if (base == "m") mult = kMiB;
    else if (base == "g") mult = 1ull << 30;
    else if (base == "t") mult = 1ull << 40;
  }
  if (mult == 0)
    return fail(Errc::invalid_argument, "unknown unit \"" + std::string(util::trim(s.substr(i))) + "\" in " + q(text) +
                                            "; use K, M, G or T (binary: 1G = 1024M), like \"512M\" or \"16G\"");
  double bytes = std::round(value * static_cast<double>(mult));
  if (bytes < static_cast<double>(kMiB))
    return fail(Errc::invalid_argument, q(text) + " is less than 1M" + (value == 0 ? "" : "; did you forget the unit, like \"" + std::string(num) + "G\"?"));
  if (bytes > static_cast<double>(kMaxMemory)) return fail(Errc::invalid_argument, q(text) + " is more than 64 TiB");
  return static_cast<std::uint64_t>(bytes);
}

Result<std::int64_t> duration_from_minutes(std::int64_t minutes) {
  if (minutes <= 0) return fail(Errc::invalid_argument, "a time limit must be more than zero minutes");
  if (minutes > kMaxSeconds / 60)
    return fail(Errc::invalid_argument, std::to_string(minutes) + " minutes is more than 365 days (a bare number counts minutes)");
  return minutes * 60;
}

Result<std::int64_t> parse_duration(std::string_view text) {
  std::string_view s = util::trim(text);
  if (s.empty()) return fail(Errc::invalid_argument, "the time limit is empty; " + std::string(kTimeHint));
  if (s.front() == '-') return fail(Errc::invalid_argument, "a time limit cannot be negative");
  if (auto m = digits(s)) return duration_from_minutes(*m);
  bool clock = s.find(':') != std::string_view::npos || s.find('-') != std::string_view::npos;
  if (clock) return parse_clock(s);
  if (std::isalpha(static_cast<unsigned char>(s.back()))) return parse_units(s);
  return fail(Errc::invalid_argument, q(text) + " is not a time limit; " + kTimeHint);
}

std::string format_duration(std::int64_t seconds) {
  std::int64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
  char buf[48];
  if (d > 0) std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", (long long)d, (long long)h, (long long)m, (long long)s);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)h, (long long)m, (long long)s);
  return buf;
}

}  // namespace lab::config
