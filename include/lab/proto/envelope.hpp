// The envelope every control-plane message travels in: versioned JSON with a type tag.
// See docs/messages.md for the wire form; `lab::proto` message types fill `body`.
#pragma once

#include <lab/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace lab::proto {

// The envelope version this binary writes and the only one it accepts.
inline constexpr int kEnvelopeVersion = 1;
// Longest accepted message id; ids are normally 32 lower-case hex characters.
inline constexpr std::size_t kMaxIdLength = 64;

// One message: `id` is unique per message (receivers deduplicate on it), `type` names the
// shape of `body` ("submit_task"), `sent_at_ms` is the sender's wall clock (Unix ms).
struct Envelope {
  int v = kEnvelopeVersion;
  std::string id;
  std::string type;
  std::int64_t sent_at_ms = 0;
  nlohmann::json body = nlohmann::json::object();

  bool operator==(const Envelope&) const = default;
};

// A fresh random 128-bit id as 32 lower-case hex characters. Thread-safe.
std::string new_message_id();

// True if `id` is 1..kMaxIdLength characters of [A-Za-z0-9_-].
bool valid_message_id(std::string_view id);

// An envelope with a new id, the given type and body, stamped `sent_at_ms`.
Envelope make_envelope(std::string type, nlohmann::json body, std::int64_t sent_at_ms);

// The envelope as a JSON object {"v","id","type","sent_at_ms","body"}.
nlohmann::json to_json(const Envelope& envelope);
// Compact JSON text of `to_json(envelope)`.
std::string serialize(const Envelope& envelope);

// Validates and reads an envelope. Fails with Errc::invalid_argument and a message naming
// the offending field ("envelope: field 'id' is missing"); an unknown `type` is accepted
// here (the receiver decides what to do with it), an unknown version `v` is not.
Result<Envelope> envelope_from_json(const nlohmann::json& j);
// Parses JSON text, then `envelope_from_json`; malformed JSON names the byte offset.
Result<Envelope> parse_envelope(std::string_view text);

}  // namespace lab::proto
