#include "calls.hpp"

#include <nlohmann/json.hpp>

namespace lab::worker {

Answer classify(const Result<net::HttpResponse>& r, bool worker_call) {
  if (!r) return Answer::retry;
  int s = r->status;
  if (s / 100 == 2) return Answer::ok;
  if (s == 404 && worker_call) {
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    bool unknown = j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("code") &&
                   j["error"]["code"] == "unknown_worker";
    return unknown ? Answer::unknown_worker : Answer::refused;
  }
  if (s == 409 || s == 404) return Answer::gone;
  if (s >= 500 || s == 429 || s == 408) return Answer::retry;
  return Answer::refused;
}

std::string describe(const Result<net::HttpResponse>& r) {
  if (!r) return r.error().message;
  return "HTTP " + std::to_string(r->status) + ": " + net::error_text(*r);
}

std::string say_wait(std::chrono::milliseconds d) {
  if (d.count() < 1000) return std::to_string(d.count()) + " ms";
  auto s = (d.count() + 500) / 1000;
  return std::to_string(s) + " s";
}

}  // namespace lab::worker
