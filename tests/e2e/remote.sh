#!/usr/bin/env bash
# `lab remote --config remote.toml`: starts, serves /worker/v1 with its token, keeps worker
# registrations across a kill -9, and stops cleanly on SIGTERM; with the Slurm executor it
# serves no workers.
source "$(dirname "$0")/lib/common.sh"

PID=""
stop_remote() { [ -z "$PID" ] || kill -9 "$PID" 2>/dev/null || true; }
ON_EXIT_HOOKS+=(stop_remote)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MAILBOX_PORT=$(free_port)
WORKERS_PORT=$(free_port)
TOKEN=workers-token-for-e2e

write_config() {  # write_config EXECUTOR_TYPE
  cat > "$T/remote.toml" <<TOML
[transport]
listen = true
host = "127.0.0.1"
port = $MAILBOX_PORT
token = "mailbox-token-for-e2e"

[storage]
type = "local"
root = "storage"

[database]
path = "remote/ledger.db"

[paths]
envs_dir = "envs"
tasks_dir = "tasks"
cache_dir = "cache"

[executor]
type = "$1"

[workers]
host = "127.0.0.1"
port = $WORKERS_PORT
token = "$TOKEN"
lease_timeout_s = 30
TOML
}

api() {  # api PATH JSON [TOKEN] -> "STATUS BODY"
  curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer ${3:-$TOKEN}" \
    -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$WORKERS_PORT/worker/v1/$1" || true
  printf ' '; cat "$T/body" 2>/dev/null || true
}

start_remote() {
  "$LAB" remote --config "$T/remote.toml" >"$T/remote.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do
    case "$(api heartbeat '{}')" in 400*) return 0 ;; esac
    kill -0 "$PID" 2>/dev/null || fail "lab remote exited: $(cat "$T/remote.log")"
    sleep 0.1
  done
  fail "lab remote did not start listening: $(cat "$T/remote.log")"
}

write_config workers
start_remote
expect_contains "$(cat "$T/remote.log")" "workers connect to http://127.0.0.1:$WORKERS_PORT/worker/v1" "startup line"

R=$(api register '{"name":"box1","cpus":4,"memory_bytes":8589934592,"gpus":[0],"slots":1}' wrong-token)
expect_eq "${R%% *}" 401 "wrong token"
R=$(api register '{"name":"box1","cpus":4,"memory_bytes":8589934592,"gpus":[0],"slots":1}')
expect_eq "${R%% *}" 200 "register"
WID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["worker_id"])' "$T/body")
expect_contains "$WID" "w-" "worker id"
R=$(api lease "{\"worker_id\":\"$WID\",\"wait_ms\":200,\"free\":{\"slots\":1,\"cpus\":4,\"memory_bytes\":8589934592,\"gpus\":[0]}}")
expect_eq "${R%% *}" 204 "an empty queue answers 204 after wait_ms"
R=$(api heartbeat '{"worker_id":"w-nobody","running":[]}')
expect_eq "${R%% *}" 404 "unknown worker"
expect_contains "$R" unknown_worker "unknown worker code"

# kill -9: the registration survives in the ledger.
kill -9 "$PID"; wait "$PID" 2>/dev/null || true
start_remote
R=$(api heartbeat "{\"worker_id\":\"$WID\",\"running\":[]}")
expect_eq "$R" '200 {"cancel":[]}' "the worker keeps its id after kill -9"

kill -TERM "$PID"
set +e; wait "$PID"; RC=$?; set -e
expect_eq "$RC" 0 "SIGTERM stops lab remote cleanly"
expect_contains "$(cat "$T/remote.log")" "stopping (SIGTERM)" "stop line"

# With the Slurm executor there is no worker server (the journey on a real Slurm is slurm.e2e).
write_config slurm
"$LAB" remote --config "$T/remote.toml" >"$T/remote-slurm.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -qs "submitted to Slurm" "$T/remote-slurm.log" && break; sleep 0.1; done
expect_contains "$(cat "$T/remote-slurm.log")" "tasks are submitted to Slurm" "the remote says Slurm runs the tasks"
CHECKS=$((CHECKS + 1)); ! grep -q "workers connect" "$T/remote-slurm.log" || fail "a Slurm remote offered a worker server"
kill -TERM "$PID"
set +e; wait "$PID"; RC=$?; set -e
PID=""
expect_eq "$RC" 0 "SIGTERM stops a Slurm remote cleanly"
expect_rc 2 "$LAB" remote
