#include <lab/transport/http.hpp>
#include <lab/transport/s3.hpp>
#include <lab/transport/transport.hpp>

#include <lab/util/strings.hpp>

#include <array>

namespace lab::transport {
namespace {

constexpr std::array<std::string_view, 2> kChannels = {kToRemote, kToLocal};

struct Backend {
  std::string_view type;
  Result<std::unique_ptr<Transport>> (*make)(const Options&);
};

// The backend table: config `type` -> factory.
constexpr std::array<Backend, 2> kBackends = {{{"http", make_http_transport}, {"s3", make_s3_transport}}};

}  // namespace

std::span<const std::string_view> known_channels() { return kChannels; }

Result<void> check_channel(std::string_view channel) {
  for (auto c : kChannels)
    if (c == channel) return {};
  std::vector<std::string> names(kChannels.begin(), kChannels.end());
  std::string msg = "unknown channel '" + std::string(channel) + "'";
  if (auto m = util::closest_match(channel, names)) msg += " (did you mean '" + *m + "'?)";
  else msg += " (known: " + util::join(names, ", ") + ")";
  return fail(Errc::invalid_argument, msg);
}

Result<std::unique_ptr<Transport>> make_transport(const Options& options) {
  for (const auto& b : kBackends)
    if (b.type == options.type) return b.make(options);
  return fail(Errc::invalid_argument, "transport type '" + options.type + "' is not supported (known: http, s3)");
}

}  // namespace lab::transport
