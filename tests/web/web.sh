#!/usr/bin/env bash
# The web pages in a real browser (Debian's chromium driven by playwright-core) against real
# roles started as separate processes: sign-in, isolation between students, hostile task and
# metric names shown as text, the live log (also across a dropped connection) and chart,
# cancel from the button while forged cross-site requests are refused, cookie flags, and the
# admin page. Screenshots of every page go to $LAB_WEB_SHOTS (default: the build folder).
source "$LAB_SOURCE_DIR/tests/e2e/lib/common.sh"
source "$LAB_SOURCE_DIR/tests/e2e/lib/cluster.sh"
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e installs it)"
[ -x /usr/bin/chromium ] || fail "chromium is needed (scripts/install-deps.sh --e2e installs it)"
: "${LAB_WEB_NODE_DIR:?LAB_WEB_NODE_DIR must name the folder holding node_modules/playwright-core}"
"$LAB_SOURCE_DIR/tests/web/install-playwright.sh" "$LAB_WEB_NODE_DIR" || fail "could not install playwright-core"
SHOTS=${LAB_WEB_SHOTS:-$T/shots}
rm -rf "$SHOTS" && mkdir -p "$SHOTS"

cluster_up 2
student alice
student bob
printf 'pw-root-secret\n' | (cd "$C" && "$LAB" proxy user add root --admin --password-stdin --config "$C/proxy.toml") \
  >/dev/null 2>&1 || fail "could not create the admin account"

# Alice's long task logs a line and a metrics line (with a hostile metric name) twice a second.
mkdir -p "$T/alice/long" "$T/alice/quick" "$T/alice/evil" "$T/bob/secret"
cat > "$T/alice/long/task.toml" <<'TOML'
name = "train-long"
[resources]
cpus = 1
memory = "256M"
time_limit = "0:05:00"
[run]
command = "python3 train.py"
TOML
cat > "$T/alice/long/train.py" <<'PY'
import json, os, time
for step in range(240):
    print(f"step {step} loss {1.0 / (step + 1):.4f}", flush=True)
    with open(os.environ["LAB_METRICS"], "a") as f:
        f.write(json.dumps({"step": step, "loss": 1.0 / (step + 1), "<i>acc</i>": step / 240}) + "\n")
    time.sleep(0.5)
PY
cat > "$T/alice/quick/task.toml" <<'TOML'
name = "quick-results"
[resources]
cpus = 1
memory = "256M"
time_limit = "0:05:00"
[run]
command = "python3 -c \"import os; os.makedirs('outputs', exist_ok=True); open('outputs/result.txt', 'w').write('forty-two')\""
TOML
echo 'print("hi")' > "$T/alice/evil/run.py"
echo 'print("bob")' > "$T/bob/secret/run.py"

submit_in() {  # USER DIR [run args...]: prints the task id
  local user=$1 dir=$2; shift 2
  local out
  if [ $# -gt 0 ]; then out=$(cd "$dir" && LAB_CONFIG_DIR="$T/users/$user" "$LAB" run --json "$@" 2>>"$T/submit.err")
  else out=$(cd "$dir" && LAB_CONFIG_DIR="$T/users/$user" "$LAB" submit --json 2>>"$T/submit.err"); fi
  jq -r .task_id <<<"$out"
}
QUICK=$(submit_in alice "$T/alice/quick")
wait_state alice "$QUICK" completed 60
EVIL=$(submit_in alice "$T/alice/evil" --name '<img src=x onerror=alert(1)>' --cpus 1 --mem 256M -- python3 run.py)
BOB=$(submit_in bob "$T/bob/secret" --name 'bobs-secret-task' --cpus 1 --mem 256M -- python3 run.py)
wait_state alice "$EVIL" completed 60
wait_state bob "$BOB" completed 60
LONG=$(submit_in alice "$T/alice/long")
wait_state alice "$LONG" running 60

export WEB_URL=$LAB_PROXY_URL SHOTS LONG QUICK EVIL BOB
export ALICE_PW=pw-alice-secret ROOT_PW=pw-root-secret
set +e
node "$LAB_SOURCE_DIR/tests/web/browser.cjs" >"$T/browser.out" 2>&1
RC=$?
set -e
cat "$T/browser.out"
[ "$RC" = 0 ] || fail "the browser checks failed (rc $RC); logs: $(tail -n 20 "$C"/*.log)"
CHECKS=$((CHECKS + $(grep -c '^ok ' "$T/browser.out")))

# The same metrics through the CLI, as CSV.
as alice metrics "$QUICK" --csv
expect_contains "$OUT" "no metrics" "a task without metrics says so"
as alice metrics "$LONG" --csv
expect_eq "$RC" 0 "lab metrics --csv"
expect_eq "$(head -n 1 <<<"$OUT" | tr -d '\r')" 'step,loss,<i>acc</i>' "CSV header: step first, then keys as they came"
expect_contains "$OUT" $'\r\n1,0.5,' "CSV row of step 1"
as bob metrics "$LONG"
CHECKS=$((CHECKS + 1))
[ "$RC" != 0 ] || fail "bob read alice's metrics"
expect_contains "$OUT" "no task" "another student's metrics: not found"
