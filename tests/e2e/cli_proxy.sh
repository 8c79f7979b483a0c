# The student CLI against a real `lab proxy` (hosting its own mailbox, so no remote is needed):
# register/login/whoami/logout, submit and run with upload accounting, status, list, logs,
# cancel, and --wait's exit code for a cancelled task. Skips when `lab proxy` is not built.
source "$(dirname "$0")/lib/common.sh"
cd "$T"
set +e; "$LAB" proxy --help >/dev/null 2>&1; [ $? -eq 3 ] && { echo "cli_proxy: skipped (lab proxy not built)"; exit 0; }; set -e
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port)
MB_PORT=$(free_port)
cat > proxy.toml <<TOML
[server]
host = "127.0.0.1"
port = $API_PORT
[auth]
open_registration = true
[transport]
listen = true
host = "127.0.0.1"
port = $MB_PORT
token = "mailbox-secret-e2e"
[storage]
type = "local"
root = "storage"
[database]
path = "state/proxy.db"
TOML
export LAB_PROXY_URL="http://127.0.0.1:$API_PORT"
"$LAB" proxy --config proxy.toml >>proxy.log 2>&1 &
PROXY_PID=$!
trap 'rc=$?; kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; (exit $rc); on_exit' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$API_PORT") 2>/dev/null && break
  kill -0 "$PROXY_PID" 2>/dev/null || fail "lab proxy exited: $(cat proxy.log)"
  sleep 0.1
done

# Accounts.
expect_rc 0 sh -c "printf 'alice password\n' | '$LAB' register alice --password-stdin"
expect_contains "$OUT" "signed in as alice" "register signs in"
expect_eq "$(stat -c %a "$LAB_CONFIG_DIR/credentials.json")" 600 "credentials are 0600"
expect_rc 0 "$LAB" whoami
expect_contains "$OUT" "alice at $LAB_PROXY_URL" "whoami"
expect_rc 0 "$LAB" logout
expect_rc 1 "$LAB" whoami
expect_contains "$OUT" "not logged in" "logged out"
expect_rc 1 sh -c "printf 'wrong password\n' | '$LAB' login alice --password-stdin"
expect_rc 0 sh -c "printf 'alice password\n' | '$LAB' cli login alice --password-stdin"
grep -q "alice password" "$LAB_CONFIG_DIR/credentials.json" && fail "the password was stored"

# A project: one ignored file, one excluded by task.toml.
mkdir -p proj/data
printf 'print("hi")\n' > proj/train.py
head -c 300000 /dev/urandom > proj/data/big.bin
echo "*.log" > proj/.gitignore
echo "noise" > proj/run.log
echo "weights" > proj/model.ckpt
cat > proj/task.toml <<'TOML'
name = "toy"
[resources]
memory = "1G"
[files]
exclude = ["*.ckpt"]
[run]
command = "python3 train.py"
TOML
expect_rc 0 "$LAB" submit -c proj/task.toml --json
json=$(tail -n 1 <<<"$OUT")
expect_eq "$(jq -r .uploaded_files <<<"$json")" 4 "first submit uploads every file (.gitignore, data/big.bin, task.toml, train.py)"
expect_eq "$(jq -r .stored_files <<<"$json")" 0 "nothing stored yet"
expect_contains "$OUT" "largest: data/big.bin" "the summary line names the largest file"
T1=$(jq -r .task_id <<<"$json")
expect_rc 0 "$LAB" submit -c proj/task.toml --json
json=$(tail -n 1 <<<"$OUT")
expect_eq "$(jq -r .uploaded_files <<<"$json")" 0 "second submit uploads nothing"
expect_eq "$(jq -r .stored_files <<<"$json")" 4 "second submit finds everything stored"
T2=$(jq -r .task_id <<<"$json")

# status, list, logs, cancel.
expect_rc 0 "$LAB" status "$T1"
expect_contains "$OUT" "state     pending" "status shows the state"
expect_contains "$OUT" "python3 train.py" "status shows the command"
expect_rc 0 "$LAB" status --json
expect_eq "$(jq -r .id <<<"$OUT")" "$T2" "status without ID is the latest task"
expect_rc 0 "$LAB" list
expect_contains "$OUT" "$T1" "list shows the first task"
expect_contains "$OUT" "$T2" "list shows the second task"
expect_rc 0 "$LAB" list --json --limit 1
expect_eq "$(jq length <<<"$OUT")" 1 "list --limit"
expect_rc 0 "$LAB" cancel "$T1"
expect_contains "$OUT" "cancelled" "cancel"
expect_rc 1 "$LAB" cancel "$T1"
expect_rc 0 "$LAB" logs "$T1" -f
expect_contains "$OUT" "task $T1 cancelled" "logs -f ends with the final state"
expect_rc 1 "$LAB" status t-000000-9999
expect_rc 0 "$LAB" pull "$T1" -o pulled
expect_contains "$OUT" "pulled 0 files" "pull of a task without results"

# run, and --wait's exit code when the task is cancelled.
cd proj
"$LAB" run --mem 1G --name waiter --wait -- python3 -c 'print("a b")' > ../wait.out 2>&1 &
WAIT_PID=$!
cd ..
for _ in $(seq 1 100); do grep -q "submitted" wait.out && break; sleep 0.1; done
T3=$(sed -n 's/^submitted \([^ ]*\) .*/\1/p' wait.out)
[ -n "$T3" ] || fail "run did not submit: $(cat wait.out)"
expect_rc 0 "$LAB" status "$T3" --json
expect_eq "$(jq -r .command <<<"$OUT" | grep -c "print(\"a b\")")" 1 "run quotes the command for the shell"
expect_rc 0 "$LAB" cancel "$T3"
set +e; wait "$WAIT_PID"; rc=$?; set -e
expect_eq "$rc" 130 "--wait exits 130 for a cancelled task"

# Nothing secret left in the open.
grep -q "alice password" proxy.log && fail "the password was logged"
true
