#include "http_routes.hpp"

#include <lab/transport/transport.hpp>

#include <nlohmann/json.hpp>

namespace lab::transport::detail {
namespace {

using nlohmann::json;
using net::json_error;
using net::Response;

constexpr const char* kChannelPath = "/v1/channels/([A-Za-z0-9_]+)/";

Response ok(const json& j) { return Response{200, j.dump(), "application/json"}; }

Response from_error(const Error& e) {
  switch (e.code) {
    case Errc::invalid_argument: return json_error(400, "bad_request", e.message);
    case Errc::unavailable: return json_error(503, "unavailable", e.message);
    default: return json_error(500, "internal", e.message);
  }
}

// Parses the body as a JSON object; nullopt + `err` set when it is not one.
std::optional<json> parse_object(const std::string& body, Response& err) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    std::string where;
    try {
      auto again = json::parse(body);
      (void)again;
    } catch (const json::parse_error& e) {
      where = " (at byte " + std::to_string(e.byte) + ")";
    }
    err = json_error(400, "bad_request", "the request body is not valid JSON" + where);
    return std::nullopt;
  }
  if (!j.is_object()) {
    err = json_error(400, "bad_request", "the request body must be a JSON object");
    return std::nullopt;
  }
  return j;
}

// Reads an optional list of message ids under `name`.
std::optional<std::vector<std::string>> id_list(const json& j, const char* name, Response& err) {
  std::vector<std::string> ids;
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return ids;
  if (!it->is_array()) {
    err = json_error(400, "bad_request", std::string("field '") + name + "' must be an array of message ids");
    return std::nullopt;
  }
  for (const auto& v : *it) {
    if (!v.is_string() || !proto::valid_message_id(v.get<std::string>())) {
      err = json_error(400, "bad_request", std::string("field '") + name + "' holds something that is not a message id");
      return std::nullopt;
    }
    ids.push_back(v.get<std::string>());
  }
  return ids;
}

// Reads an optional whole number in [lo, hi] under `name`.
std::optional<std::int64_t> number(const json& j, const char* name, std::int64_t def, std::int64_t lo,
                                   std::int64_t hi, Response& err) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_number_integer() || it->get<std::int64_t>() < lo || it->get<std::int64_t>() > hi) {
    err = json_error(400, "bad_request", std::string("field '") + name + "' must be a whole number from " +
                                             std::to_string(lo) + " to " + std::to_string(hi));
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

// Runs `body` for a known channel, else 404.
template <class F>
Response for_channel(const net::Request& req, F&& body) {
  const std::string& channel = req.matches.at(0);
  if (auto c = check_channel(channel); !c) return json_error(404, "unknown_channel", c.error().message);
  return body(channel);
}

}  // namespace

std::string messages_body(const std::vector<Stored>& messages, const std::string& extra) {
  std::string out = "{\"messages\":[";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i) out += ',';
    out += messages[i].json;
  }
  out += ']';
  out += extra;
  out += '}';
  return out;
}

void add_mailbox_routes(net::Server& server, Mailbox& mailbox) {
  Mailbox* mb = &mailbox;
  server.route("GET", "/v1/health", [](const net::Request&) {
    return ok({{"ok", true}, {"protocol", 1}});
  });

  server.route("POST", std::string(kChannelPath) + "messages", [mb](const net::Request& req) {
    return for_channel(req, [&](const std::string& channel) {
      Response err;
      auto j = parse_object(req.body, err);
      if (!j) return err;
      auto it = j->find("messages");
      if (it == j->end() || !it->is_array())
        return json_error(400, "bad_request", "field 'messages' is missing or not an array of envelopes");
      std::vector<proto::Envelope> envs;
      for (std::size_t i = 0; i < it->size(); ++i) {
        auto e = proto::envelope_from_json((*it)[i]);
        if (!e) return json_error(400, "bad_request", "messages[" + std::to_string(i) + "]: " + e.error().message);
        envs.push_back(std::move(*e));
      }
      auto added = mb->put(channel, envs);
      if (!added) return from_error(added.error());
      return ok({{"accepted", envs.size()}, {"new", *added}});
    });
  });

  server.route("POST", std::string(kChannelPath) + "receive", [mb](const net::Request& req) {
    return for_channel(req, [&](const std::string& channel) {
      Response err;
      auto j = parse_object(req.body, err);
      if (!j) return err;
      auto wait = number(*j, "wait_ms", 0, 0, kMaxReceiveWait.count(), err);
      if (!wait) return err;
      auto max = number(*j, "max", 1, 1, kMaxReceiveBatch, err);
      if (!max) return err;
      auto acks = id_list(*j, "ack", err);
      if (!acks) return err;
      auto got = mb->take(channel, std::chrono::milliseconds(*wait), static_cast<int>(*max), *acks);
      if (!got) return from_error(got.error());
      return Response{200,
                      messages_body(*got, ",\"visibility_timeout_ms\":" + std::to_string(mb->visibility().count())),
                      "application/json"};
    });
  });

  server.route("POST", std::string(kChannelPath) + "ack", [mb](const net::Request& req) {
    return for_channel(req, [&](const std::string& channel) {
      Response err;
      auto j = parse_object(req.body, err);
      if (!j) return err;
      if (!j->contains("ids")) return json_error(400, "bad_request", "field 'ids' is missing");
      auto ids = id_list(*j, "ids", err);
      if (!ids) return err;
      auto n = mb->ack(channel, *ids);
      if (!n) return from_error(n.error());
      return ok({{"acked", *n}});
    });
  });

  server.route("GET", std::string(kChannelPath) + "pending", [mb](const net::Request& req) {
    return for_channel(req, [&](const std::string& channel) {
      auto got = mb->pending(channel);
      if (!got) return from_error(got.error());
      return Response{200, messages_body(*got), "application/json"};
    });
  });
}

}  // namespace lab::transport::detail
