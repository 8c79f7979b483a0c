# `lab worker`: command-line errors (exit 2, one clear line), flags over worker.toml, the
# token never printed, plain words while the remote is down, and a clean stop on SIGTERM.
source "$(dirname "$0")/lib/common.sh"
cd "$T"
unset LAB_WORKER_TOKEN
SECRET="s3cret-token-value"
printf '%s\n' "$SECRET" > token
# A loopback port nothing listens on: bind one, note it, free it.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"

expect_rc 2 "$LAB" worker --remote "$URL"
expect_contains "$OUT" "no token" "missing token"
expect_contains "$OUT" "LAB_WORKER_TOKEN" "missing token says where a token may come from"

expect_rc 2 "$LAB" worker --token-file token
expect_contains "$OUT" "--remote URL" "missing remote"

expect_rc 2 "$LAB" worker --remote "$URL" --token-file token --gpus 0,x
expect_contains "$OUT" "--gpus takes GPU indexes separated by commas, like 0,1" "bad --gpus"
expect_rc 2 "$LAB" worker --remote "$URL" --token-file token --gpus -1
expect_rc 2 "$LAB" worker --remote "$URL" --token-file token --memory 16X
expect_contains "$OUT" "--memory" "bad --memory"
expect_rc 2 "$LAB" worker --remote "$URL" --token-file token --slots 0
expect_rc 2 "$LAB" worker --remote "cluster:8802" --token-file token
expect_contains "$OUT" "is not a server address" "malformed remote URL"
expect_rc 2 "$LAB" worker --remote "$URL" --token-file missing-file
expect_contains "$OUT" "cannot read the token file" "unreadable token file"
: > empty
expect_rc 2 "$LAB" worker --remote "$URL" --token-file empty
expect_rc 2 "$LAB" worker --remote "$URL" --token x --token-file token
expect_rc 2 "$LAB" worker --bogus
case "$OUT" in *"$SECRET"*) fail "the token was printed";; esac

# A config without a token: the environment supplies it; flags override the file's values.
cat > worker.toml <<TOML
[worker]
remote = "$URL"
cpus = 8
slots = 3
TOML
expect_rc 2 "$LAB" worker --config worker.toml
expect_contains "$OUT" "no token" "config without token and no other token"
cat > bad.toml <<'TOML'
[worker]
remote = "http://x:1"
slotz = 2
TOML
expect_rc 2 "$LAB" worker --config bad.toml --token-file token
expect_contains "$OUT" "bad.toml:3" "config errors point at the line"

LAB_WORKER_TOKEN="$SECRET" "$LAB" worker --config worker.toml --cpus 2 --name box1 --work-dir "$T/work" > run.log 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q "retrying in" run.log && break; sleep 0.05; done
kill -TERM $PID
set +e; wait $PID; RC=$?; set -e
expect_eq "$RC" "0" "exit code after SIGTERM"
LOG=$(cat run.log)
expect_contains "$LOG" "worker 'box1' offers 2 CPUs" "--cpus overrides the config"
expect_contains "$LOG" "3 slots" "slots from the config"
expect_contains "$LOG" "cannot reach the remote at $URL (connection refused" "remote down in plain words"
expect_contains "$LOG" "retrying in" "says when it retries"
expect_contains "$LOG" "SIGTERM received; stopping" "stops on SIGTERM"
case "$LOG" in *"$SECRET"*) fail "the token was printed";; esac
CHECKS=$((CHECKS + 1))
[ -d "$T/work" ] || fail "the work folder was not made"
