// The state behind net::Client, shared by client.cpp (requests with string bodies) and
// client_stream.cpp (bodies streamed from and to files, interrupt). Private to src/lab/net.
#pragma once

#include <lab/net/client.hpp>

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>

namespace lab::net {

struct Client::Impl {
  ClientOptions options;
  std::unique_ptr<httplib::Client> http;
  std::string url;                       // scheme://host:port, without credentials
  std::atomic<bool> interrupted{false};  // set once by interrupt(); never cleared
  std::atomic<int> active{0};            // requests between their start and their end
};

// Marks a request as under way for interrupt(), which keeps shutting the socket down until
// none is. Counted before `interrupted` is read, so a request either sees the flag or is
// seen by interrupt().
class ActiveRequest {
 public:
  explicit ActiveRequest(Client::Impl& c) : c_(c) { ++c_.active; }
  ~ActiveRequest() { --c_.active; }
  ActiveRequest(const ActiveRequest&) = delete;
  ActiveRequest& operator=(const ActiveRequest&) = delete;

 private:
  Client::Impl& c_;
};

// Says in plain words why a request did not get an answer.
Error explain(httplib::Error e, const Client::Impl& c);

// The error every request answers once the client was interrupted.
Error interrupted_error(const Client::Impl& c);

}  // namespace lab::net
