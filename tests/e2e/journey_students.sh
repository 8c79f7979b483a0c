#!/usr/bin/env bash
# The student journey through all four roles as separate processes over real HTTP: two
# students submit at once, each sees only their own tasks, results come back, a resubmit after
# editing one file uploads exactly one file, and `run --wait` exits with the task's code.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/cluster.sh"
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e installs it)"

cluster_up 2
student alice
student bob

# Each student has a project of their own.
for u in alice bob; do
  mkdir -p "$T/$u/proj/data"
  cat > "$T/$u/proj/task.toml" <<TOML
name = "$u-job"
[resources]
cpus = 1
memory = "256M"
time_limit = "0:05:00"
[run]
command = "python3 train.py"
TOML
  cat > "$T/$u/proj/train.py" <<PY
import os, time
os.makedirs("outputs", exist_ok=True)
for i in range(3):
    print("step", i, "of $u", flush=True)
    time.sleep(0.2)
open("outputs/result.txt", "w").write("trained by $u\n")
PY
  for i in 1 2 3 4 5; do echo "row $i of $u" > "$T/$u/proj/data/part$i.csv"; done
done

# Both submit at the same moment.
(cd "$T/alice/proj" && LAB_CONFIG_DIR="$T/users/alice" "$LAB" submit --json >"$T/alice.json" 2>"$T/alice.err") &
SA=$!
(cd "$T/bob/proj" && LAB_CONFIG_DIR="$T/users/bob" "$LAB" submit --json >"$T/bob.json" 2>"$T/bob.err") &
SB=$!
wait "$SA" "$SB"
A=$(jq -r .task_id "$T/alice.json") B=$(jq -r .task_id "$T/bob.json")
[ -n "$A" ] && [ "$A" != null ] || fail "alice's submit printed no task id: $(cat "$T/alice.json" "$T/alice.err")"
[ -n "$B" ] && [ "$B" != null ] || fail "bob's submit printed no task id: $(cat "$T/bob.json" "$T/bob.err")"
expect_eq "$(jq -r .uploaded_files "$T/alice.json")" 7 "alice's first submit uploads every file"

wait_state alice "$A" completed 90
wait_state bob "$B" completed 90

# Isolation: the other's task is "not found", in status, logs, cancel and pull alike.
for verb in "status $B" "logs $B" "cancel $B" "pull $B -o $T/stolen"; do
  as alice $verb
  CHECKS=$((CHECKS + 1)); [ "$RC" != 0 ] || fail "alice ran '$verb' on bob's task: $OUT"
  CHECKS=$((CHECKS + 1)); grep -Eqi "no task|not found" <<<"$OUT" || fail "alice: $verb: not a not-found answer: $OUT"
done
[ ! -e "$T/stolen" ] || [ -z "$(ls -A "$T/stolen")" ] || fail "alice pulled bob's files"
as_json alice list --json
expect_eq "$(jq -r '[(if type == "array" then . else .tasks end)[] | .id] | join(",")' <<<"$OUT")" "$A" "alice lists only her task"
as_json bob list --all --json
CHECKS=$((CHECKS + 1)); [ "$RC" != 0 ] || [ "$(jq -r '[(if type == "array" then . else .tasks end)[] | .id] | join(",")' <<<"$OUT")" = "$B" ] \
  || fail "a student's --all showed other users' tasks: $OUT"

# The log holds every line, in order, with timestamps.
as alice logs "$A"
expect_eq "$RC" 0 "alice reads her log"
expect_eq "$(grep -o 'step [0-9] of alice' <<<"$OUT" | tr '\n' ' ')" "step 0 of alice step 1 of alice step 2 of alice " "log lines in order"
CHECKS=$((CHECKS + 1)); grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z out step 0 of alice' <<<"$OUT" || fail "log lines lack timestamps: $OUT"

# Results come back to the right place.
as alice pull "$A" -o "$T/alice/res"
expect_eq "$RC" 0 "alice pulls"
expect_eq "$(cat "$T/alice/res/outputs/result.txt")" "trained by alice" "alice's result file"

# Resubmitting after editing one file uploads exactly that file.
echo "row 3 changed" > "$T/alice/proj/data/part3.csv"
(cd "$T/alice/proj" && LAB_CONFIG_DIR="$T/users/alice" "$LAB" submit --json >"$T/alice2.json" 2>"$T/alice2.err")
expect_eq "$(jq -r .uploaded_files "$T/alice2.json")" 1 "a resubmit after one edit uploads one file"
expect_eq "$(jq -r .stored_files "$T/alice2.json")" 6 "the other files were already stored"
wait_state alice "$(jq -r .task_id "$T/alice2.json")" completed 90

# `run --wait` without a task.toml exits with the task's own code; the output is followed live.
mkdir -p "$T/bob/empty" && cd "$T/bob/empty"
as bob run --wait -- sh -c 'echo about to fail; exit 3'
expect_eq "$RC" 3 "run --wait exits with the task's exit code"
expect_contains "$OUT" "about to fail" "run --wait shows the log"
