# Sourced by the S3 suites: starts the real S3 server (OpenStack Swift's s3api, which checks
# SigV4 itself) on free loopback ports with its state under the folder given, and stops it
# when the sourcing script exits. After `s3_server_up DIR BUCKETS`: S3_ENDPOINT,
# AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION are exported.
_s3_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The shared peers are found by tests/lib/shared.sh.
source "$_s3_here/../lib/shared.sh"
S3_SCRIPTS=${LAB_S3_SCRIPTS:-$shared_dir/s3}

s3_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

s3_server_down() { [ -z "${S3_DIR:-}" ] || S3_DIR="$S3_DIR" bash "$S3_SCRIPTS/s3-stop.sh" >/dev/null 2>&1 || true; }

# s3_server_up DIR BUCKETS(comma-separated)
s3_server_up() {
  export S3_DIR=$1 S3_BUCKETS=$2
  export S3_PORT=$(s3_free_port) MEMCACHE_PORT=$(s3_free_port) S3_BASE_PORT=""
  # The base port must have two free neighbours (container, account servers).
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 30000))
    if ! (ss -ltn | grep -qE ":($p|$((p+1))|$((p+2))) "); then S3_BASE_PORT=$p; break; fi
  done
  [ -n "$S3_BASE_PORT" ] || { echo "no three free neighbouring ports for the S3 server" >&2; return 1; }
  bash "$S3_SCRIPTS/s3-swift-start.sh" >&2
  . "$S3_DIR/env"
}
