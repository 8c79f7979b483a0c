# `lab proxy` end to end: a real proxy process (hosting the mailbox itself, so no remote is
# needed) driven with curl: accounts, upload, submit, list, isolation, cancel, errors,
# `lab proxy user add`, and a kill -9 + restart that must keep every task and message.
source "$(dirname "$0")/lib/common.sh"
cd "$T"
command -v curl >/dev/null || fail "curl is needed (scripts/install-deps.sh --e2e)"
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port)
MB_PORT=$(free_port)
MB_TOKEN="mailbox-secret-e2e"
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
token = "$MB_TOKEN"
[storage]
type = "local"
root = "storage"
[database]
path = "state/proxy.db"
TOML
API="http://127.0.0.1:$API_PORT/api/v1"
PROXY_PID=""
trap 'rc=$?; [ -n "$PROXY_PID" ] && kill -9 "$PROXY_PID" 2>/dev/null; (exit $rc); on_exit' EXIT

start_proxy() {
  "$LAB" proxy --config proxy.toml >>proxy.log 2>&1 &
  PROXY_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "$API/health" >/dev/null 2>&1 && return 0
    kill -0 "$PROXY_PID" 2>/dev/null || fail "lab proxy exited: $(cat proxy.log)"
    sleep 0.1
  done
  fail "lab proxy did not answer within 10 s: $(cat proxy.log)"
}
# call METHOD PATH [TOKEN] [BODY]: sets CODE and BODY
call() {
  local extra=()
  [ -n "${3:-}" ] && extra+=(-H "Authorization: Bearer $3")
  [ -n "${4:-}" ] && extra+=(--data-binary "$4")
  BODY=$(curl -sS -o - -w '\n%{http_code}' -X "$1" "${extra[@]}" -H 'Content-Type: application/json' "$API$2")
  CODE=${BODY##*$'\n'}
  BODY=${BODY%$'\n'*}
}

# --- `lab proxy user add`, before the proxy runs ---
expect_rc 0 sh -c "printf 'admin password\n' | '$LAB' proxy user add root --admin --password-stdin --config proxy.toml"
expect_eq "$OUT" "created root (admin)" "user add"
expect_rc 1 sh -c "printf 'another password\n' | '$LAB' proxy user add root --password-stdin --config proxy.toml"
expect_contains "$OUT" "taken" "user add of a taken name"
expect_rc 1 sh -c "printf 'short\n' | '$LAB' proxy user add eve --password-stdin --config proxy.toml"
expect_contains "$OUT" "at least 8" "user add with a short password"
expect_rc 2 sh -c "'$LAB' proxy user add eve --config proxy.toml </dev/null"
expect_contains "$OUT" "--password-stdin" "user add without a terminal"
expect_rc 1 "$LAB" proxy --config nowhere.toml

start_proxy
call GET /health
expect_eq "$CODE" 200 "health"
expect_eq "$(jq -r .status <<<"$BODY")" ok "health status"
expect_eq "$(jq -r .remote <<<"$BODY")" down "no remote has connected yet"

# --- accounts ---
call POST /auth/register "" '{"name":"alice","password":"alice password"}'
expect_eq "$CODE" 201 "register"
ALICE=$(jq -r .token <<<"$BODY")
call POST /auth/register "" '{"name":"bob","password":"bob password"}'
BOB=$(jq -r .token <<<"$BODY")
call POST /auth/register "" '{"name":"alice","password":"alice password"}'
expect_eq "$CODE" 409 "name taken"
call POST /auth/login "" '{"name":"root","password":"admin password"}'
expect_eq "$CODE" 200 "login of the account made by user add"
expect_eq "$(jq -r .user.is_admin <<<"$BODY")" true "admin flag"
ROOT=$(jq -r .token <<<"$BODY")
call POST /auth/login "" '{"name":"root","password":"wrong password"}'
expect_eq "$CODE" 401 "wrong password"
call GET /auth/whoami "$ALICE"
expect_eq "$(jq -r .user.name <<<"$BODY")" alice "whoami"
call GET /tasks
expect_eq "$CODE" 401 "no token"
expect_eq "$(jq -r .error.code <<<"$BODY")" unauthenticated "401 error code"
# `lab proxy user add` while the proxy runs: the account works at once.
expect_rc 0 sh -c "printf 'carol password\n' | '$LAB' proxy user add carol --password-stdin --config proxy.toml"
call POST /auth/login "" '{"name":"carol","password":"carol password"}'
expect_eq "$CODE" 200 "login of an account added while running"

# --- upload ---
mkdir -p project/src stage
printf 'print("hello")\n' > project/src/train.py
head -c 200000 /dev/urandom > project/data.bin
printf 'x = 1\n' > project/src/util.py
"$LAB" files project --json > manifest.json
call POST /blobs/missing "$ALICE" "$(jq -c '{hashes: [.entries[].xxh3]}' manifest.json)"
expect_eq "$CODE" 200 "missing"
expect_eq "$(jq '.missing | length' <<<"$BODY")" 3 "all blobs missing at first"
call POST /snapshots "$ALICE" "$(jq -c '{manifest: .}' manifest.json)"
expect_eq "$CODE" 409 "snapshot before upload"
expect_eq "$(jq '.missing | length' <<<"$BODY")" 3 "snapshot names the missing blobs"
for path in $(jq -r '.entries[].path' manifest.json); do
  cp "project/$path" "stage/$(jq -r --arg p "$path" '.entries[] | select(.path == $p) | .xxh3' manifest.json)"
done
(cd stage && tar --format=ustar -cf ../blobs.tar -- *)
up_code=$(curl -sS -o up.json -w '%{http_code}' -H "Authorization: Bearer $ALICE" -H 'Transfer-Encoding: chunked' \
  -H 'Content-Type: application/x-lab-blobs' --data-binary @blobs.tar "$API/blobs")
expect_eq "$up_code" 200 "blob upload (chunked)"
expect_eq "$(jq .stored up.json)" 3 "blobs stored"
call POST /blobs/missing "$ALICE" "$(jq -c '{hashes: [.entries[].xxh3]}' manifest.json)"
expect_eq "$(jq '.missing | length' <<<"$BODY")" 0 "nothing missing after upload"
# A blob whose content does not match its name is refused.
mkdir bad && printf 'tampered' > "bad/$(jq -r '.entries[0].xxh3' manifest.json | tr '0-9a-f' '1-9a-f0')"
(cd bad && tar --format=ustar -cf ../bad.tar -- *)
bad_code=$(curl -sS -o bad.json -w '%{http_code}' -H "Authorization: Bearer $ALICE" -H 'Transfer-Encoding: chunked' \
  -H 'Content-Type: application/x-lab-blobs' --data-binary @bad.tar "$API/blobs")
expect_eq "$bad_code" 400 "corrupt blob"
expect_contains "$(jq -r .error.message bad.json)" "does not match its content" "corrupt blob message"
call POST /snapshots "$ALICE" "$(jq -c '{manifest: .}' manifest.json)"
expect_eq "$CODE" 201 "snapshot"
SNAP=$(jq -r .snapshot <<<"$BODY")
expect_eq "$(jq .files <<<"$BODY")" 3 "snapshot file count"
[ -f "storage/projects/manifests/$SNAP.json" ] || fail "the manifest is not in storage"

# --- tasks ---
SPEC='{"name":"toy","resources":{"cpus":1,"memory":"1G","time_limit":"0:10:00"},"run":{"workdir":"src","script":"train.py"}}'
call POST /tasks "$ALICE" "{\"spec\":$SPEC,\"snapshot\":\"$SNAP\"}"
expect_eq "$CODE" 201 "submit"
T1=$(jq -r .task.id <<<"$BODY")
expect_eq "$(jq -r .task.state <<<"$BODY")" pending "new task state"
expect_eq "$(jq -r .task.command <<<"$BODY")" "cd 'src' && python3 'train.py'" "command line"
call POST /tasks "$ALICE" "{\"spec\":$SPEC,\"snapshot\":\"$SNAP\"}"
T2=$(jq -r .task.id <<<"$BODY")
call POST /tasks "$ALICE" '{"spec":{"resources":{"gpus":"many"},"run":{"command":"x"}},"snapshot":"'"$SNAP"'"}'
expect_eq "$CODE" 400 "bad spec"
call GET /tasks "$ALICE"
expect_eq "$(jq '.tasks | length' <<<"$BODY")" 2 "list"
expect_eq "$(jq -r '.tasks[0].id' <<<"$BODY")" "$T2" "newest first"
call GET "/tasks/$T1" "$BOB"
expect_eq "$CODE" 404 "another user's task is not found"
call GET /tasks "$BOB"
expect_eq "$(jq '.tasks | length' <<<"$BODY")" 0 "bob sees none"
call GET "/tasks?all=1" "$ROOT"
expect_eq "$(jq '.tasks | length' <<<"$BODY")" 2 "admin sees all"
call POST "/tasks/$T1/cancel" "$ALICE"
expect_eq "$CODE" 202 "cancel"
expect_eq "$(jq -r .task.state <<<"$BODY")" cancelled "a pending task is cancelled at once"
call POST "/tasks/$T1/cancel" "$ALICE"
expect_eq "$CODE" 409 "cancel twice"
log_headers=$(curl -sS -D - -o /dev/null -H "Authorization: Bearer $ALICE" "$API/tasks/$T1/logs?wait=1")
expect_contains "$log_headers" "X-Lab-Log-Offset: 0" "log offset"
expect_contains "$log_headers" "X-Lab-Log-Complete: 1" "a cancelled task's log is complete"
big_code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' \
  -H 'Content-Length: 100000000' --data-binary '{}' "$API/tasks" || true)
expect_eq "$big_code" 413 "oversized body"

# --- kill -9 and restart: tasks, states and queued messages survive ---
kill -9 "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null || true
PROXY_PID=""
start_proxy
call GET "/tasks/$T1" "$ALICE"
expect_eq "$CODE" 200 "task kept over kill -9"
expect_eq "$(jq -r .task.state <<<"$BODY")" cancelled "state kept"
call GET "/tasks/$T2" "$ALICE"
expect_eq "$(jq -r .task.state <<<"$BODY")" pending "pending task kept"
call GET /auth/whoami "$ALICE"
expect_eq "$CODE" 200 "sessions kept"
# What a remote would receive from the mailbox: both submits and the cancel, in order.
msgs=$(curl -sS -H "Authorization: Bearer $MB_TOKEN" -H 'Content-Type: application/json' \
  --data-binary '{"wait_ms":0,"max":100}' "http://127.0.0.1:$MB_PORT/v1/channels/to_remote/receive")
expect_eq "$(jq -r '[.messages[].type] | join(",")' <<<"$msgs")" "submit_task,submit_task,cancel_task" "messages kept"
expect_eq "$(jq -r '.messages[0].body.task_id' <<<"$msgs")" "$T1" "first submit"
expect_eq "$(jq -r '.messages[0].body.user_id' <<<"$msgs")" alice "submit names the user"
expect_eq "$(jq -r '.messages[0].body.storage_keys.project' <<<"$msgs")" "projects/manifests/$SNAP.json" "project key"
grep -q "alice password\|$ALICE" proxy.log state/proxy.db* && fail "a password or token was stored or logged in clear"
CHECKS=$((CHECKS + 1))

kill -TERM "$PROXY_PID"
wait "$PROXY_PID" || fail "lab proxy did not stop cleanly on SIGTERM"
PROXY_PID=""
