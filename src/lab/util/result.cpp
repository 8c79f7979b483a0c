#include <lab/result.hpp>

namespace lab {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::not_found: return "not_found";
    case Errc::already_exists: return "already_exists";
    case Errc::permission_denied: return "permission_denied";
    case Errc::unauthenticated: return "unauthenticated";
    case Errc::timeout: return "timeout";
    case Errc::unavailable: return "unavailable";
    case Errc::io: return "io";
    case Errc::corrupt: return "corrupt";
    case Errc::conflict: return "conflict";
    case Errc::unsupported: return "unsupported";
    case Errc::internal: return "internal";
  }
  return "internal";
}

}  // namespace lab
