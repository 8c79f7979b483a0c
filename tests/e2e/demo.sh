#!/usr/bin/env bash
# `lab demo` as an instructor runs it: one process, the CLI signed in at once, the example
# project submitted, followed and pulled; Ctrl-C stops everything and frees the port.
source "$(dirname "$0")/lib/common.sh"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$LAB" demo --dir "$T/demo" --port "$PORT" --workers 2 >"$T/demo.out" 2>"$T/demo.err" &
DEMO=$!
stop_demo() { kill -INT "$DEMO" 2>/dev/null || true; }
ON_EXIT_HOOKS+=(stop_demo)
for ((i = 0; i < 100; i++)); do grep -q "Ctrl-C" "$T/demo.out" 2>/dev/null && break; sleep 0.1; done
grep -q "Ctrl-C" "$T/demo.out" || fail "the demo did not come up: $(cat "$T/demo.out" "$T/demo.err")"
expect_contains "$(cat "$T/demo.out")" "http://127.0.0.1:$PORT" "the demo prints the proxy address"
expect_contains "$(cat "$T/demo.out")" "lab submit" "the demo prints the next command"
# The web pages, and a password for them that works.
expect_contains "$(curl -fsS "http://127.0.0.1:$PORT/login")" "Sign in to lab" "the demo serves the web pages"
PW=$(sed -n "s/.*sign in as 'demo' with password \([A-Za-z0-9_-]*\)).*/\1/p" "$T/demo.out")
CHECKS=$((CHECKS + 1)); [ -n "$PW" ] || fail "the demo printed no web password: $(cat "$T/demo.out")"
expect_contains "$(curl -sS -H "Origin: http://127.0.0.1:$PORT" -H 'Content-Type: application/json' \
  -d "{\"name\":\"demo\",\"password\":\"$PW\"}" -D - "http://127.0.0.1:$PORT/api/v1/auth/web-login")" \
  "Set-Cookie: lab_session=" "the printed password signs the web pages in"

# The CLI is signed in already, against the demo's proxy.
expect_rc 0 "$LAB" whoami
expect_contains "$OUT" "demo" "signed in as the demo user"

cp -r "$LAB_SOURCE_DIR/examples/toy-regression" "$T/ex"
cd "$T/ex"
expect_rc 0 "$LAB" submit --wait
expect_contains "$OUT" "epoch" "the example's progress is followed live"
ID=$("$LAB" list --json | jq -r '(if type == "array" then . else .tasks end)[0].id')
# The example logs its loss to $LAB_METRICS; `lab metrics` prints it.
expect_rc 0 "$LAB" metrics "$ID" --csv
expect_contains "$OUT" "step,epoch,loss" "the example's metrics as CSV"
expect_rc 0 "$LAB" pull "$ID" -o "$T/res"
CHECKS=$((CHECKS + 1)); ls "$T/res/outputs/"* >/dev/null 2>&1 || fail "pull brought no outputs: $(find "$T/res")"

# Ctrl-C stops everything cleanly and frees the port.
kill -INT "$DEMO"
for ((i = 0; i < 100; i++)); do kill -0 "$DEMO" 2>/dev/null || break; sleep 0.1; done
CHECKS=$((CHECKS + 1)); ! kill -0 "$DEMO" 2>/dev/null || fail "the demo did not stop on Ctrl-C"
set +e; wait "$DEMO"; rc=$?; set -e
expect_eq "$rc" 0 "the demo exits 0 after Ctrl-C"
CHECKS=$((CHECKS + 1)); ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || fail "port $PORT still open after the demo stopped"
