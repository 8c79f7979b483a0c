// Messages per second and send->receive latency through the durable HTTP transport, and
// through a Redis list used as a queue (BLMOVE into a processing list, LREM to ack), the
// design document's Redis transport. One sender thread, one receiver thread, loopback.
//   lab_bench_transport http [--count N] [--latency-count M]
//   lab_bench_transport redis --port P [--count N] [--latency-count M]
// Prints one line per measurement: "<backend> <direction> msgs_per_s=... p50_us=... p99_us=...".
#include <lab/proto/messages.hpp>
#include <lab/transport/transport.hpp>

#ifdef LAB_BENCH_REDIS
#include <hiredis/hiredis.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

// A realistic small control message: a status update stamped with the send time.
std::string payload(std::int64_t seq) {
  lab::proto::StatusUpdate u{"task-" + std::to_string(seq), lab::proto::TaskStatus::running, "12345",
                             "epoch 3/10", std::nullopt, std::nullopt, std::nullopt};
  auto e = lab::proto::encode(u, now_ns());
  return lab::proto::serialize(e);
}

// A queue under test: `send` from one thread, `receive_ack` (returns the payload) from another.
struct Queue {
  std::function<void(const std::string&)> send;
  std::function<std::string()> receive_ack;
};

struct Numbers {
  double msgs_per_s = 0;
  double p50_us = 0, p99_us = 0;
};

std::int64_t sent_ns_of(const std::string& text) {
  auto e = lab::proto::parse_envelope(text);
  return e ? e->sent_at_ms : 0;  // the bench stores steady ns in sent_at_ms
}

// Throughput: `count` messages sent back to back; time until the last is received.
// Latency: `lat_count` messages paced `gap` apart; receive time minus send time.
Numbers measure(Queue& q, int count, int lat_count, std::chrono::microseconds gap) {
  Numbers n;
  auto t0 = Clock::now();
  std::thread sender([&] {
    for (int i = 0; i < count; ++i) q.send(payload(i));
  });
  for (int i = 0; i < count; ++i) (void)q.receive_ack();
  auto secs = std::chrono::duration<double>(Clock::now() - t0).count();
  sender.join();
  n.msgs_per_s = count / secs;

  std::vector<double> lat;
  std::thread pacer([&] {
    auto next = Clock::now();
    for (int i = 0; i < lat_count; ++i) {
      std::this_thread::sleep_until(next);
      q.send(payload(i));
      next += gap;
    }
  });
  for (int i = 0; i < lat_count; ++i) {
    auto text = q.receive_ack();
    lat.push_back((now_ns() - sent_ns_of(text)) / 1000.0);
  }
  pacer.join();
  std::sort(lat.begin(), lat.end());
  n.p50_us = lat[lat.size() / 2];
  n.p99_us = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  return n;
}

void report(const char* backend, const char* direction, const Numbers& n) {
  std::printf("%s %s msgs_per_s=%.0f p50_us=%.0f p99_us=%.0f\n", backend, direction, n.msgs_per_s, n.p50_us, n.p99_us);
  std::fflush(stdout);
}

int run_http(int count, int lat_count) {
  namespace tr = lab::transport;
  auto dir = std::filesystem::temp_directory_path() / ("lab-bench-transport-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  tr::Options lo;
  lo.listen = true;
  lo.token = "bench-token";
  lo.db_path = dir / "remote.db";
  auto listener = tr::make_transport(lo);
  if (!listener) return std::fprintf(stderr, "%s\n", listener.error().message.c_str()), 1;
  tr::Options co;
  co.url = (*listener)->listen_url();
  co.token = lo.token;
  co.db_path = dir / "proxy.db";
  auto connector = tr::make_transport(co);
  if (!connector) return std::fprintf(stderr, "%s\n", connector.error().message.c_str()), 1;

  auto queue = [](tr::Transport& from, tr::Transport& to, std::string_view channel) {
    Queue q;
    q.send = [&from, channel](const std::string& text) {
      auto e = lab::proto::parse_envelope(text).value();
      if (!from.send(channel, e)) std::abort();
    };
    q.receive_ack = [&to, channel]() {
      while (true) {
        auto r = to.receive(channel, 1s);
        if (!r) std::fprintf(stderr, "receive: %s\n", r.error().message.c_str()), std::abort();
        if (!*r) continue;
        if (!to.ack(channel, (*r)->id)) std::abort();
        return lab::proto::serialize(**r);
      }
    };
    return q;
  };
  // proxy -> remote: HTTP POST from the outbox, received from the mailbox in process.
  auto up = queue(**connector, **listener, tr::kToRemote);
  report("http", "to_remote(post)", measure(up, count, lat_count, 2ms));
  // remote -> proxy: into the mailbox in process, received by HTTP long-poll.
  auto down = queue(**listener, **connector, tr::kToLocal);
  report("http", "to_local(long-poll)", measure(down, count, lat_count, 2ms));
  connector->reset();
  listener->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

#ifdef LAB_BENCH_REDIS
int run_redis(int port, int count, int lat_count) {
  auto connect = [port] {
    redisContext* c = redisConnect("127.0.0.1", port);
    if (!c || c->err) std::fprintf(stderr, "cannot reach redis on port %d\n", port), std::exit(1);
    return c;
  };
  redisContext* tx = connect();
  redisContext* rx = connect();
  auto cmd = [](redisContext* c, auto... args) {
    auto* r = static_cast<redisReply*>(redisCommand(c, args...));
    if (!r) std::fprintf(stderr, "redis: %s\n", c->errstr), std::exit(1);
    return r;
  };
  freeReplyObject(cmd(tx, "DEL lab:queue:to_remote lab:processing:to_remote"));
  Queue q;
  q.send = [&](const std::string& text) {
    freeReplyObject(cmd(tx, "RPUSH lab:queue:to_remote %b", text.data(), text.size()));
  };
  q.receive_ack = [&]() {
    while (true) {
      auto* r = cmd(rx, "BLMOVE lab:queue:to_remote lab:processing:to_remote LEFT RIGHT 1");
      if (r->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        continue;
      }
      std::string text(r->str, r->len);
      freeReplyObject(r);
      freeReplyObject(cmd(rx, "LREM lab:processing:to_remote 1 %b", text.data(), text.size()));  // ack
      return text;
    }
  };
  report("redis", "to_remote(list)", measure(q, count, lat_count, 2ms));
  redisFree(tx);
  redisFree(rx);
  return 0;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return std::fprintf(stderr, "usage: %s http|redis [--port P] [--count N] [--latency-count M]\n", argv[0]), 2;
  std::string backend = argv[1];
  int port = 0, count = 20000, lat_count = 2000;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--port")) port = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--count")) count = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--latency-count")) lat_count = std::atoi(argv[i + 1]);
  }
  (void)port;  // only the redis backend uses it
  if (backend == "http") return run_http(count, lat_count);
#ifdef LAB_BENCH_REDIS
  if (backend == "redis") return run_redis(port, count, lat_count);
#endif
  return std::fprintf(stderr, "backend '%s' is not built in\n", backend.c_str()), 2;
}
