#!/usr/bin/env bash
# The whole product on a real single-node Slurm 22.05 (started here with the shared
# slurm-ci.sh, as slurm.live does): the student CLI submits through a proxy to a remote
# whose [executor] is "slurm". Proves: `logs -f` sees output while the job runs; exit code
# and state beside what scontrol says; a failing command FAILED with its code; a GPU request
# on this GPU-less node refused in plain words; cancel of a pending and of a running job;
# results pulled; the remote killed with -9 mid-job and restarted, the job finishing with
# no second sbatch; slurmctld stopped while one task runs and another is handed over: the
# waiting one says "cluster scheduler not responding", both finish once it is back, one job
# each; a task past its time limit ends TIMEOUT, reported as failed with "time limit ...
# reached"; `lab demo --config` with Slurm running one task.
#   LAB=build/release/lab tests/slurm/remote_e2e.sh BUILD_DIR   (CTest: slurm.e2e)
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: remote_e2e.sh BUILD_DIR}" && pwd)
source "$here/../e2e/lib/common.sh"
source "$here/../lib/shared.sh"
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e installs it)"

ci=${LAB_SLURM_CI:-$shared_dir/slurm/slurm-ci.sh}
export SLURM_CI_BASE="$build/slurm-e2e"
export SLURM_CI_PORT_BASE=${SLURM_CI_PORT_BASE:-26837}
export SLURM_CONF="$SLURM_CI_BASE/etc/slurm.conf"
slurm_down() { bash "$ci" down >/dev/null 2>&1 || true; }
mkdir -p "$SLURM_CI_BASE"
bash "$ci" up >"$T/slurm-up.log" 2>&1 || fail "Slurm did not start: $(tail -n 20 "$T/slurm-up.log")"

REMOTE_EXTRA_TOML='[executor]
type = "slurm"
poll_interval_ms = 250
command_timeout_ms = 4000'
source "$here/../e2e/lib/cluster.sh"
ON_EXIT_HOOKS+=(slurm_down)  # after cluster_down: the roles stop before Slurm does

cluster_up 0
student alice
P="$T/alice/proj"; mkdir -p "$P" && cd "$P"
printf '[files]\ndownload = ["outputs/"]\n\n[run]\ncommand = "true"\n' > task.toml
submit_run() {  # submit_run [FLAGS...] CMD: `lab run FLAGS -- sh -c CMD`; sets ID
  local cmd=${*: -1}
  as_json alice run --json "${@:1:$#-1}" -- sh -c "$cmd"
  [ "$RC" = 0 ] || fail "run failed ($RC): $OUT $(cat "$T/users/alice.err")"
  ID=$(jq -r .task_id <<<"$OUT")
}
# The Slurm job id lab reports for the running task (from its "running on Slurm job N" event).
job_of() {
  as_json alice status "$1" --json
  jq -r '[(.task // .).events[] | select(.state == "running") | .reason][0] // ""' <<<"$OUT" |
    sed -nE 's/.*Slurm job ([0-9]+).*/\1/p'
}
# Every Slurm job (any state) whose name carries task $1.
jobs_named() { squeue -h -t all -o '%i %j' | awk -v id="$1" 'index($2, id) {print $1}'; }
slurm_field() { scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# 0. The controller stopped while a task runs and another is handed over to Slurm. Jobs go
# on without slurmctld; the waiting task says why it waits; once slurmctld is back both end
# as they should, each as exactly one Slurm job (the lost sbatch is looked up by name, not
# repeated). Slurm client commands hang ~9 s against a dead controller; lab's
# command_timeout_ms (4 s here) ends them sooner.
submit_run 'sleep 3; echo ran through the outage'
RUNNING=$ID
wait_state alice "$RUNNING" running 30
CTLD=$(cat "$SLURM_CI_BASE/run/slurmctld.pid")
kill "$CTLD"
for ((i = 0; i < 150; i++)); do kill -0 "$CTLD" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$CTLD" 2>/dev/null || fail "slurmctld ($CTLD) did not stop"
submit_run 'echo submitted while the controller was down'
WAITING=$ID
for ((i = 0; i < 150; i++)); do
  R=$(task_field alice "$WAITING" .reason)
  [[ "$R" == *"cluster scheduler not responding"* ]] && break
  sleep 0.2
done
expect_contains "$R" "cluster scheduler not responding" "a task handed over while slurmctld is down says why it waits"
expect_eq "$(task_field alice "$WAITING" .state)" queued "... and waits queued"
as alice status "$WAITING"
expect_contains "$OUT" "cluster scheduler not responding" "lab status shows the reason"
expect_eq "$(task_field alice "$RUNNING" .state)" running "the running task is left running"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start again"
wait_state alice "$WAITING" completed 60
wait_state alice "$RUNNING" completed 60
as alice logs "$WAITING"
expect_contains "$OUT" "submitted while the controller was down" "the waiting task ran once slurmctld was back"
as alice logs "$RUNNING"
expect_contains "$OUT" "ran through the outage" "the running task's output came through"
expect_eq "$(jobs_named "$WAITING" | wc -l)" 1 "one Slurm job for the task submitted during the outage"
expect_eq "$(jobs_named "$RUNNING" | wc -l)" 1 "one Slurm job for the task that ran through the outage"

# 0b. A time limit: the task asks for 1 minute, Slurm's least. Slurm checks time limits every
# 30 s (PERIODIC_TIMEOUT in slurmctld), so a natural timeout takes 60-90 s; to stay fast, the
# job's end time is pulled forward with scontrol as an admin may, and Slurm's own check then
# ends the job TIMEOUT at its next round (<= 30 s after slurmctld started, overlapping the
# checks below, which leave it a CPU). Lab's side is the same as for a natural timeout.
submit_run --time 1m 'echo waiting for the limit; sleep 300'
LIMITED=$ID
wait_state alice "$LIMITED" running 30
LJOB=$(jobs_named "$LIMITED")
expect_eq "$(slurm_field "$LJOB" TimeLimit)" 00:01:00 "the task's time limit reached Slurm"
scontrol update JobId="$LJOB" EndTime=now || fail "scontrol could not move the end of job $LJOB"

# 1. A job through to COMPLETED: live log, exit code, state beside scontrol, results pulled.
submit_run 'for i in 1 2 3 4 5 6 7 8; do echo "tick $i"; sleep 0.5; done; mkdir -p outputs; echo 42 > outputs/answer.txt'
LAB_CONFIG_DIR="$T/users/alice" "$LAB" logs "$ID" -f >"$T/follow.out" 2>"$T/follow.err" &
FOLLOW=$!
wait_state alice "$ID" running 30
for ((i = 0; i < 50; i++)); do grep -q 'tick 2' "$T/follow.out" && break; sleep 0.1; done
expect_contains "$(cat "$T/follow.out")" "tick 2" "logs -f shows output while the Slurm job runs"
expect_eq "$(task_field alice "$ID" .state)" running "the task still runs while its first lines are seen"
JOB=$(job_of "$ID")
[ -n "$JOB" ] || fail "no Slurm job id in the running event: $OUT"
expect_contains "$(slurm_field "$JOB" JobName)" "$ID" "the Slurm job's name carries the task id"
expect_eq "$(slurm_field "$JOB" JobState)" RUNNING "scontrol agrees the job runs"
wait "$FOLLOW" || fail "logs -f failed: $(cat "$T/follow.err")"
expect_eq "$(grep -c "tick [0-9]" "$T/follow.out" || true)" 8 "logs -f printed every line once"
wait_state alice "$ID" completed 30
expect_eq "$(task_field alice "$ID" .exit_code)" 0 "exit code of a completed job"
expect_eq "$(slurm_field "$JOB" JobState)" COMPLETED "scontrol says COMPLETED too"
as alice pull "$ID" -o "$T/pulled"
expect_eq "$RC" 0 "pull answers: $OUT"
expect_eq "$(cat "$T/pulled/outputs/answer.txt")" 42 "the result file came back"

# 2. A failing command: FAILED with its own exit code, as Slurm recorded it.
submit_run 'echo about to fail; echo "secret=[${LAB_WORKER_TOKEN:-}]"; echo oops on stderr >&2; exit 3'
wait_state alice "$ID" failed 30
expect_eq "$(task_field alice "$ID" .exit_code)" 3 "the failing command's exit code"
JOB=$(jobs_named "$ID")
expect_eq "$(slurm_field "$JOB" ExitCode)" "3:0" "scontrol has the same exit code"
as alice logs "$ID"
expect_contains "$OUT" "about to fail" "the failed job's output is its log"
expect_contains "$OUT" "oops on stderr" "stderr is in the log too"
expect_contains "$OUT" "secret=[]" "the remote's secrets (here its workers token) do not reach the job"

# 3. A GPU request on this GPU-less node: refused in plain words, Slurm's text kept.
submit_run --gpus 1 'echo never'
wait_state alice "$ID" failed 30
REASON=$(task_field alice "$ID" .reason)
expect_contains "$REASON" "this cluster has no GPUs" "the refusal in plain words"
expect_contains "$REASON" "Slurm said:" "Slurm's own text kept beside it"
expect_eq "$(jobs_named "$ID")" "" "no Slurm job for a refused request"

# 5. The remote killed with -9 while the job runs (and the time-limited one waits for Slurm's
# check): it finishes, with one sbatch only.
submit_run 'echo first; sleep 4; echo survived'
wait_state alice "$ID" running 30
kill9 remote
sleep 1
start_role remote
wait_state alice "$ID" completed 60
as alice logs "$ID"
expect_contains "$OUT" "survived" "the job's later output reached the log after the restart"
expect_eq "$(grep -c '^first' <<<"$OUT")" 1 "the log has no line twice after the restart"
expect_eq "$(jobs_named "$ID" | wc -l)" 1 "one Slurm job for the task: no second sbatch"

# 0b, continued: Slurm ended the time-limited job; lab says so in plain words.
wait_state alice "$LIMITED" failed 45
expect_contains "$(task_field alice "$LIMITED" .reason)" "time limit 0:01:00 reached" "a timeout is reported as the time limit reached"
expect_eq "$(slurm_field "$LJOB" JobState)" TIMEOUT "scontrol says TIMEOUT"
as alice logs "$LIMITED"
expect_contains "$OUT" "waiting for the limit" "the timed-out task's output is kept"

# 4. Cancel a pending job (waiting behind one that holds every CPU), then the running one.
CPUS=$(sinfo -h -o %c | head -n1)
submit_run --cpus "$CPUS" 'echo blocking; sleep 120'
BLOCKER=$ID
wait_state alice "$BLOCKER" running 30
submit_run 'echo should never run'
PENDING=$ID
for ((i = 0; i < 100; i++)); do
  R=$(task_field alice "$PENDING" .reason)
  [[ "$R" == *"waiting for resources"* ]] && break
  sleep 0.2
done
expect_contains "$R" "waiting for resources" "a pending job's reason in plain words"
PJOB=$(jobs_named "$PENDING")
expect_eq "$(slurm_field "$PJOB" JobState)" PENDING "scontrol agrees the job waits"
as alice cancel "$PENDING"
wait_state alice "$PENDING" cancelled 30
expect_eq "$(slurm_field "$PJOB" JobState)" CANCELLED "the pending job is cancelled in Slurm"
BJOB=$(job_of "$BLOCKER")
# Slurm says RUNNING before the batch script has printed anything: wait for its first line,
# so the check below is about lab keeping the log of a cancelled job, not about timing.
for ((i = 0; i < 100; i++)); do
  as alice logs "$BLOCKER"
  [[ "$OUT" == *blocking* ]] && break
  sleep 0.2
done
expect_contains "$OUT" "blocking" "the running job's first line reaches its log"
as alice cancel "$BLOCKER"
wait_state alice "$BLOCKER" cancelled 30
expect_eq "$(slurm_field "$BJOB" JobState)" CANCELLED "the running job is cancelled in Slurm"
as alice logs "$BLOCKER"
expect_contains "$OUT" "blocking" "the cancelled job's log keeps its lines"

# 5, continued: the remote killed while a job waits in Slurm's queue (behind one holding every CPU): the
# restarted remote hands the queued task over again and must find its job, not sbatch anew.
submit_run --cpus "$CPUS" 'sleep 60'
BLOCKER=$ID
wait_state alice "$BLOCKER" running 30
submit_run 'echo after the restart'
for ((i = 0; i < 100; i++)); do
  [[ "$(task_field alice "$ID" .reason)" == *"waiting for resources"* ]] && break
  sleep 0.2
done
expect_eq "$(jobs_named "$ID" | wc -l)" 1 "the waiting task has its Slurm job"
kill9 remote
start_role remote
sleep 1
as alice cancel "$BLOCKER"
wait_state alice "$ID" completed 60
as alice logs "$ID"
expect_contains "$OUT" "after the restart" "the job that waited across the restart ran"
expect_eq "$(jobs_named "$ID" | wc -l)" 1 "one Slurm job for a task queued across a restart: no second sbatch"
cluster_down
PIDS=()

# 6. `lab demo --config` with [executor] type = "slurm": no workers, one task on Slurm.
printf '[executor]\ntype = "slrum"\n' > "$T/bad.toml"
expect_rc 1 "$LAB" demo --dir "$T/demo" --port 0 --config "$T/bad.toml"
expect_contains "$OUT" "bad.toml:2" "a bad demo config names the file and line"
expect_contains "$OUT" "slurm" "... and the known types"
printf '[executor]\ntype = "slurm"\npoll_interval_ms = 250\n' > "$T/demo.toml"
unset LAB_PROXY_URL  # the demo saved its own address with the credentials
export LAB_CONFIG_DIR="$T/users/demo"
"$LAB" demo --dir "$T/demo" --port 0 --config "$T/demo.toml" >"$T/demo.out" 2>&1 &
DEMO=$!
PIDS[demo]=$DEMO
for ((i = 0; i < 100; i++)); do grep -qs 'proxy: http' "$T/demo.out" && break; sleep 0.1; done
expect_contains "$(cat "$T/demo.out")" "tasks run on Slurm" "the demo says Slurm runs the tasks"
mkdir -p "$T/demo-proj" && cd "$T/demo-proj"
set +e; OUT=$("$LAB" run --wait -- echo hello from the demo 2>&1); RC=$?; set -e
expect_eq "$RC" 0 "a task through the demo on Slurm: $OUT"
expect_contains "$OUT" "hello from the demo" "its output"
as_json demo list --json
DID=$(jq -r 'if type == "array" then .[0].id else .tasks[0].id end' <<<"$OUT")
# (task ids restart with the demo's own proxy: pick its job by the folder it ran in)
expect_eq "$(squeue -h -t all -o '%j %Z' | awk -v id="$DID" -v dir="$T/demo/" 'index($1, id) && index($2, dir) == 1' | wc -l)" 1 \
  "the demo's task ran as one Slurm job in the demo's folder"
CHECKS=$((CHECKS + 1)); ! ls "$T/demo/workers"/* >/dev/null 2>&1 || fail "the Slurm demo started workers"
