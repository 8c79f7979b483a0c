#!/usr/bin/env bash
# The journey when things break: `logs -f` keeps every line across a proxy killed with -9 and
# restarted; cancel stops the task's whole process group; a worker killed with -9 mid-task
# takes the task's processes with it and the task is requeued and finished elsewhere; the remote killed with -9 mid-task and right
# after a submit loses nothing.
source "$(dirname "$0")/lib/common.sh"
LEASE_TIMEOUT_S=3
source "$(dirname "$0")/lib/cluster.sh"
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e installs it)"

cluster_up 2
student carol
P="$T/carol/proj"; mkdir -p "$P" && cd "$P"
submit_run() {  # submit_run CMD: `lab run -- sh -c CMD`; sets ID
  as_json carol run --json -- sh -c "$1"
  [ "$RC" = 0 ] || fail "run failed ($RC): $OUT $(cat "$T/users/carol.err")"
  ID=$(jq -r .task_id <<<"$OUT")
}

# 1. logs -f across a proxy kill -9: every line once, in order.
submit_run 'for i in $(seq 1 40); do echo "line $i"; sleep 0.1; done'
LAB_CONFIG_DIR="$T/users/carol" "$LAB" logs "$ID" -f >"$T/follow.out" 2>"$T/follow.err" &
FOLLOW=$!
wait_state carol "$ID" running 30
sleep 1
kill9 proxy
sleep 1
start_role proxy
wait "$FOLLOW" || fail "logs -f failed after the proxy came back: $(cat "$T/follow.err")"
expect_eq "$(grep -o 'line [0-9]*' "$T/follow.out" | tr '\n' ' ')" "$(for i in $(seq 1 40); do printf 'line %s ' "$i"; done)" \
  "logs -f printed every line once, in order, across the reconnect"
wait_state carol "$ID" completed 30

# 2. cancel stops the whole process group (the child and its grandchild).
MARK="lab-e2e-cancel-$$"
submit_run "sleep 300 & echo started; sleep 301; : $MARK"
wait_state carol "$ID" running 30
for ((i = 0; i < 50; i++)); do pgrep -f "$MARK" >/dev/null && break; sleep 0.1; done
pgrep -f "$MARK" >/dev/null || fail "the task's process is not running"
as carol cancel "$ID"
expect_eq "$RC" 0 "cancel answers"
wait_state carol "$ID" cancelled 30
# This suite's `sleep 300`/`sleep 301`: their working folder is a task folder under $T (other
# suites running at the same time have their own).
our_sleeps() {
  local p root
  root=$(cd "$T" && pwd -P)
  for p in /proc/[0-9]*; do
    [[ "$(readlink "$p/cwd" 2>/dev/null)" == "$root"/* ]] || continue
    [[ "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" == "sleep 30"[01]* ]] && echo "${p#/proc/}"
  done
  return 0
}
for ((i = 0; i < 50; i++)); do [ -n "$(our_sleeps)" ] || break; sleep 0.2; done
CHECKS=$((CHECKS + 1)); [ -z "$(our_sleeps)" ] || fail "the cancelled task's processes live on: $(our_sleeps)"
as carol logs "$ID"
expect_contains "$OUT" "started" "the log of a cancelled task keeps its lines"

# 3. a worker killed with -9 mid-task: the task's processes die with it (its guard stops
# them), and the task is requeued and completes on the other worker. The first attempt
# sleeps long, so only the guard can end it in time.
FIRST="$T/first-attempt"
submit_run "echo attempt; if [ -e '$FIRST' ]; then sleep 1; else touch '$FIRST'; sleep 300; fi; echo done"
wait_state carol "$ID" running 30
for ((i = 0; i < 50; i++)); do [ -n "$(our_sleeps)" ] && break; sleep 0.1; done
[ -n "$(our_sleeps)" ] || fail "the first attempt's sleep is not running"
REF=$(task_field carol "$ID" '.executor_ref // .worker // ""')
victim=worker1
[[ "$REF" == *worker2* ]] && victim=worker2
# Whichever worker runs it: find it by its work folder.
for w in worker1 worker2; do ls "$C/$w" 2>/dev/null | grep -q "$ID" && victim=$w; done
kill9 "$victim"
for ((i = 0; i < 50; i++)); do [ -n "$(our_sleeps)" ] || break; sleep 0.2; done
CHECKS=$((CHECKS + 1)); [ -z "$(our_sleeps)" ] || fail "the killed worker's task lives on: $(our_sleeps)"
wait_state carol "$ID" completed 60
as carol logs "$ID"
expect_contains "$OUT" "done" "the requeued task ran to its end"
start_role "$victim"

# 4. the remote killed with -9 mid-task, and again right after a submit: nothing lost.
submit_run 'sleep 2; echo survived'
wait_state carol "$ID" running 30
kill9 remote
sleep 1
start_role remote
wait_state carol "$ID" completed 60
as carol logs "$ID"
expect_contains "$OUT" "survived" "the task finished after the remote restarted"

kill9 remote
submit_run 'echo accepted while the remote was down'
start_role remote
wait_state carol "$ID" completed 60
as carol logs "$ID"
expect_contains "$OUT" "accepted while the remote was down" "a task sent while the remote was down ran"

submit_run 'echo quick'
kill9 remote
start_role remote
wait_state carol "$ID" completed 60
