#!/usr/bin/env bash
# Transport benchmark: the durable HTTP transport beside the design document's Redis
# transport (a list as queue, BLMOVE into a processing list, LREM to ack), measured in the
# same run on loopback. Installs what it needs (Debian), builds, runs, prints a table.
#   bench/transport.sh [COUNT] [LATENCY_COUNT] [ROUNDS]
# Results go to docs/benchmarks.md by hand (section "Transport").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-20000}"; lat="${2:-2000}"; rounds="${3:-3}"

need=()
for p in redis-server libhiredis-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
"$here/scripts/install-deps.sh"

build="$here/build/release"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLAB_BENCH=ON >/dev/null
cmake --build "$build" -j2 --target lab_bench_transport >/dev/null
bench="$build/bench/lab_bench_transport"

# A private Redis on a free loopback port, durable like the HTTP side: AOF, fsync every second.
work="$(mktemp -d /tmp/lab-bench-redis.XXXXXX)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync everysec \
  --save '' --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
stop_redis() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  for _ in $(seq 50); do [ -e "$work/redis.pid" ] && kill -0 "$(cat "$work/redis.pid")" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$work"
}
trap stop_redis EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

out="$work/results.txt"
for r in $(seq "$rounds"); do
  "$bench" redis --port "$port" --count "$count" --latency-count "$lat" >>"$out"
  "$bench" http --count "$count" --latency-count "$lat" >>"$out"
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%d)"
echo "messages: $count back to back (throughput), $lat paced 2 ms apart (latency); median of $rounds rounds"
python3 - "$out" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    parts = line.split()
    key = parts[0] + " " + parts[1]
    for kv in parts[2:]:
        k, v = kv.split("=")
        rows[key][k].append(float(v))
print(f"| {'transport':<28} | {'msgs/s':>8} | {'p50 µs':>7} | {'p99 µs':>7} |")
print(f"|{'-'*30}|{'-'*10}|{'-'*9}|{'-'*9}|")
for key, m in rows.items():
    med = {k: statistics.median(v) for k, v in m.items()}
    print(f"| {key:<28} | {med['msgs_per_s']:>8.0f} | {med['p50_us']:>7.0f} | {med['p99_us']:>7.0f} |")
PY
