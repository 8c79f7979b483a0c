#include <lab/proto/envelope.hpp>

#include "fields.hpp"

#include <lab/util/strings.hpp>

#include <openssl/rand.h>

#include <array>
#include <random>

namespace lab::proto {

std::string new_message_id() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // OpenSSL's generator failed to seed (very unusual); fall back to the OS source.
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  return util::to_hex(bytes);
}

bool valid_message_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

Envelope make_envelope(std::string type, nlohmann::json body, std::int64_t sent_at_ms) {
  return Envelope{kEnvelopeVersion, new_message_id(), std::move(type), sent_at_ms, std::move(body)};
}

nlohmann::json to_json(const Envelope& e) {
  return {{"v", e.v}, {"id", e.id}, {"type", e.type}, {"sent_at_ms", e.sent_at_ms}, {"body", e.body}};
}

std::string serialize(const Envelope& e) { return to_json(e).dump(); }

Result<Envelope> envelope_from_json(const nlohmann::json& j) {
  detail::FieldReader r(j, "envelope");
  Envelope e;
  e.v = static_cast<int>(r.i64("v"));
  if (r.ok() && e.v != kEnvelopeVersion)
    r.problem("v", "is " + std::to_string(e.v) + " but this lab speaks version " +
                       std::to_string(kEnvelopeVersion) + "; run the same lab version on both sides");
  e.id = r.str("id");
  if (r.ok() && !valid_message_id(e.id))
    r.problem("id", "must be 1-64 characters of letters, digits, '-' or '_'");
  e.type = r.str("type");
  if (r.ok() && e.type.empty()) r.problem("type", "is empty");
  e.sent_at_ms = r.i64("sent_at_ms", 0);
  auto body = r.opt_object("body");
  if (r.ok() && !body) r.problem("body", "is missing");
  if (!r.ok()) return std::unexpected(r.error());
  e.body = std::move(*body);
  return e;
}

Result<Envelope> parse_envelope(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    // Parse again with exceptions on, only to learn where it broke.
    try {
      auto again = nlohmann::json::parse(text);
      (void)again;
    } catch (const nlohmann::json::parse_error& e) {
      return fail(Errc::invalid_argument, "envelope is not valid JSON (at byte " + std::to_string(e.byte) + ")");
    }
    return fail(Errc::invalid_argument, "envelope is not valid JSON");
  }
  return envelope_from_json(j);
}

}  // namespace lab::proto
