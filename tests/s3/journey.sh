#!/usr/bin/env bash
# The student journey with the proxy and the remote both on `[storage] type = "s3"`, against
# the real S3 server (started here, stopped on exit): submit, logs, pull; the objects really
# are in the bucket and the AWS CLI reads them; the same journey again with `[transport]
# type = "s3"` (no role listens for the other); then a wrong secret and a missing bucket each
# stop a role at start with their plain-word error and without the secret in the output; last,
# `lab demo --config` with [storage] on S3, fed a blob the AWS CLI put into the bucket.
#   LAB=build/release/lab tests/s3/journey.sh   (CTest: s3.journey, labels s3;e2e)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../e2e/lib/common.sh"
source "$here/../e2e/lib/cluster.sh"
source "$here/server.sh"
ON_EXIT_HOOKS+=(s3_server_down)
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e installs it)"
command -v aws >/dev/null || fail "the aws CLI is needed (scripts/install-deps.sh --e2e installs it)"

s3_server_up "$T/s3" lab-journey
aws() { command aws --endpoint-url "$S3_ENDPOINT" "$@"; }
storage_toml() {  # storage_toml BUCKET [SECRET]: credentials in the file, or from AWS_* when no SECRET
  printf 'type = "s3"\nendpoint = "%s"\nbucket = "%s"\nprefix = "course 1/"\n' "$S3_ENDPOINT" "$1"
  [ -z "${2:-}" ] || printf 'access_key = "%s"\nsecret_key = "%s"\n' "$AWS_ACCESS_KEY_ID" "$2"
}

# The remote takes its credentials from the config, the proxy from the environment.
CLUSTER_STORAGE=$(storage_toml lab-journey)
cluster_up 1
CLUSTER_STORAGE=$(storage_toml lab-journey "$AWS_SECRET_ACCESS_KEY")
sed -i '/^\[storage\]/,/^\[database\]/{/^\[storage\]/!{/^\[database\]/!d}}' "$C/remote.toml"
sed -i "/^\[storage\]/r /dev/stdin" "$C/remote.toml" <<<"$CLUSTER_STORAGE"
kill9 remote
start_role remote
expect_contains "$(cat "$C/remote.toml")" 'secret_key = ' "the remote's config holds the credentials"
student alice

mkdir -p "$T/proj/data"
cat > "$T/proj/task.toml" <<TOML
name = "s3-job"
[resources]
cpus = 1
memory = "256M"
time_limit = "0:05:00"
[run]
command = "python3 train.py"
[files]
download = ["outputs/**"]
TOML
cat > "$T/proj/train.py" <<'PY'
import os
os.makedirs("outputs", exist_ok=True)
rows = open("data/rows.csv").read().splitlines()
for i, r in enumerate(rows):
    print("step", i, r, flush=True)
open("outputs/result file.txt", "w").write("trained on %d rows\n" % len(rows))
PY
printf 'a,1\nb,2\nc,3\n' > "$T/proj/data/rows.csv"

# journey WHAT: submit the project as alice, wait for it, read the log, pull the result; $ID is set.
journey() {
  (cd "$T/proj" && LAB_CONFIG_DIR="$T/users/alice" "$LAB" submit --json >"$T/submit.json" 2>"$T/submit.err") ||
    fail "$1: submit failed: $(cat "$T/submit.err") $(tail -n 20 "$C"/*.log)"
  ID=$(jq -r .task_id "$T/submit.json")
  [ -n "$ID" ] && [ "$ID" != null ] || fail "$1: submit printed no task id: $(cat "$T/submit.json" "$T/submit.err")"
  wait_state alice "$ID" completed 90
  as alice logs "$ID"
  expect_eq "$RC" 0 "$1: alice reads her log"
  expect_eq "$(grep -o 'step [0-9] [a-c],[0-9]' <<<"$OUT" | tr '\n' ' ')" "step 0 a,1 step 1 b,2 step 2 c,3 " "$1: log lines in order"
  rm -rf "$T/res"
  as alice pull "$ID" -o "$T/res"
  expect_eq "$RC" 0 "$1: alice pulls: $OUT"
  expect_eq "$(cat "$T/res/outputs/result file.txt")" "trained on 3 rows" "$1: the pulled result"
}

journey "s3 storage, http transport"

# Everything lives in the bucket, under the prefix; nothing in a local storage folder.
listing=$(aws s3 ls --recursive "s3://lab-journey/course 1/")
expect_contains "$listing" "course 1/projects/blobs/" "the project's files are objects in the bucket"
expect_contains "$listing" "course 1/results/$ID/files/outputs/result file.txt" "the result is an object in the bucket"
expect_contains "$listing" "course 1/results/$ID/files.json" "the list of the results is an object in the bucket"
aws s3 cp "s3://lab-journey/course 1/results/$ID/files/outputs/result file.txt" "$T/by-aws.txt" >/dev/null
expect_eq "$(cat "$T/by-aws.txt")" "trained on 3 rows" "the AWS CLI reads the result lab wrote"
CHECKS=$((CHECKS + 1)); [ ! -e "$C/storage" ] || fail "a local storage folder was made: $(ls -R "$C/storage" | head)"
for role in proxy remote; do
  expect_contains "$(cat "$C/$role.log")" "storage: s3 endpoint=$S3_ENDPOINT bucket=lab-journey" "the $role logs where its storage is"
  expect_contains "$(cat "$C/$role.log")" "secret_key=<redacted>" "the $role's log hides the secret"
  CHECKS=$((CHECKS + 1)); ! grep -q "$AWS_SECRET_ACCESS_KEY\b" <(grep -i secret "$C/$role.log") || fail "the $role logged the secret"
done

# Once more with the messages going through the bucket too: neither role listens for the other.
cluster_down; PIDS=()
for f in remote proxy; do
  sed -i '/^\[transport\]/,/^\[storage\]/{/^\[transport\]/!{/^\[storage\]/!d}}' "$C/$f.toml"
  sed -i '/^\[transport\]/a type = "s3"\npoll_interval_ms = 200' "$C/$f.toml"
done
MAILBOX_PORT=""
start_role remote
start_role proxy
start_role worker1
journey "s3 storage, s3 transport"
expect_contains "$(aws s3 ls --recursive "s3://lab-journey/course 1/messages/")" "messages/to_local.lease" \
  "the proxy received its messages through the bucket"
for ((i = 0; i < 50; i++)); do  # every batch is deleted once all of it is acked
  left=$(aws s3 ls --recursive "s3://lab-journey/course 1/messages/" | grep -v '\.lease$' || true)
  [ -z "$left" ] && break; sleep 0.2
done
expect_eq "$left" "" "no message batch is left in the bucket once everything is processed"

# A wrong secret stops a role at start, in words that say what to fix.
cluster_down; PIDS=()
sed -i "s/^secret_key = .*/secret_key = \"not-the-secret-42\"/" "$C/remote.toml"
set +e; OUT=$(timeout 30 "$LAB" remote --config "$C/remote.toml" 2>&1); RC=$?; set -e
CHECKS=$((CHECKS + 1)); [ "$RC" != 0 ] && [ "$RC" != 124 ] || fail "the remote started (or hung) with a wrong secret ($RC): $OUT"
expect_contains "$OUT" "refused the access key '$AWS_ACCESS_KEY_ID' (the secret key does not match)" "wrong secret, in words"
expect_contains "$OUT" "check [storage] in remote.toml" "the error says which file to fix"
CHECKS=$((CHECKS + 1)); ! grep -q "not-the-secret-42" <<<"$OUT" || fail "the wrong secret was printed: $OUT"

# A missing bucket, likewise (the proxy this time, credentials from the environment).
sed -i 's/^bucket = .*/bucket = "no-such-bucket"/' "$C/proxy.toml"
set +e; OUT=$(timeout 30 "$LAB" proxy --config "$C/proxy.toml" 2>&1); RC=$?; set -e
CHECKS=$((CHECKS + 1)); [ "$RC" != 0 ] && [ "$RC" != 124 ] || fail "the proxy started (or hung) on a missing bucket ($RC): $OUT"
expect_contains "$OUT" "bucket 'no-such-bucket' does not exist at $S3_ENDPOINT" "missing bucket, in words"
expect_contains "$OUT" "check [storage] in proxy.toml" "the error names the proxy's file"

# `lab demo --config FILE` with remote.toml's [storage] on S3 (its own prefix): the journey in
# one process. One of the project's files was put into the bucket by the AWS CLI beforehand,
# at the key lab uses for its content: the proxy takes it as stored (nothing uploaded for it)
# and the task reads the bytes the AWS CLI wrote.
{ echo '[storage]'; storage_toml lab-journey "$AWS_SECRET_ACCESS_KEY" | sed 's|^prefix = .*|prefix = "demo run/"|'; } >"$T/demo.toml"
mkdir -p "$T/users/demo" "$T/demo-proj/data"
cp "$T/proj/task.toml" "$T/proj/data/rows.csv" "$T/demo-proj/" && mv "$T/demo-proj/rows.csv" "$T/demo-proj/data/"
cat > "$T/demo-proj/train.py" <<'PY'
import os, shutil
os.makedirs("outputs", exist_ok=True)
rows = open("data/rows.csv").read().splitlines()
print("given:", open("data/given.txt").read().strip(), flush=True)
shutil.copy("data/given.txt", "outputs/given copy.txt")
open("outputs/result file.txt", "w").write("trained on %d rows\n" % len(rows))
PY
given="put there by the AWS CLI $(date +%s%N)"
echo "$given" > "$T/demo-proj/data/given.txt"
files_json=$(cd "$T/demo-proj" && "$LAB" files --json)
h=$(jq -r '.entries[] | select(.path == "data/given.txt") | .xxh3' <<<"$files_json")
[[ "$h" =~ ^[0-9a-f]{32}$ ]] || fail "lab files --json gave no hash for data/given.txt: $files_json"
aws s3 cp "$T/demo-proj/data/given.txt" "s3://lab-journey/demo run/projects/blobs/${h:0:2}/$h" >/dev/null

unset LAB_PROXY_URL  # the demo saves its own address with the credentials
export LAB_CONFIG_DIR="$T/users/demo"
"$LAB" demo --dir "$T/demo" --port 0 --workers 1 --config "$T/demo.toml" >"$T/demo.out" 2>&1 &
PIDS[demo]=$!
for ((i = 0; i < 150; i++)); do grep -qs 'Ctrl-C' "$T/demo.out" && break; sleep 0.1; done
grep -qs 'Ctrl-C' "$T/demo.out" || fail "the demo did not come up: $(cat "$T/demo.out")"
(cd "$T/demo-proj" && "$LAB" submit --json >"$T/submit.json" 2>"$T/submit.err") ||
  fail "demo: submit failed: $(cat "$T/submit.err") $(tail -n 20 "$T/demo/demo.log")"
ID=$(jq -r .task_id "$T/submit.json")
expect_eq "$(jq -r .stored_files "$T/submit.json")" 1 "demo: the file the AWS CLI put is already stored: $(cat "$T/submit.json")"
expect_eq "$(jq -r .uploaded_files "$T/submit.json")" "$(($(jq -r .count <<<"$files_json") - 1))" \
  "demo: every other file is uploaded: $(cat "$T/submit.json")"
C="$T/demo"  # wait_state shows the role logs on failure
wait_state demo "$ID" completed 90
as demo logs "$ID"
expect_eq "$RC" 0 "demo: the log reads: $OUT"
expect_contains "$OUT" "given: $given" "demo: the task read the bytes the AWS CLI wrote"
as demo pull "$ID" -o "$T/demo-res"
expect_eq "$RC" 0 "demo: pull: $OUT"
expect_eq "$(cat "$T/demo-res/outputs/result file.txt")" "trained on 3 rows" "demo: the pulled result"
expect_eq "$(cat "$T/demo-res/outputs/given copy.txt")" "$given" "demo: the pulled copy of the AWS CLI's file"
listing=$(aws s3 ls --recursive "s3://lab-journey/demo run/")
expect_contains "$listing" "demo run/projects/manifests/" "demo: the snapshot is an object in the bucket"
expect_contains "$listing" "demo run/results/$ID/files/outputs/given copy.txt" "demo: the result is an object in the bucket"
CHECKS=$((CHECKS + 1)); [ -z "$(ls -A "$T/demo/storage" 2>/dev/null)" ] || fail "demo: data in the local storage folder: $(ls -R "$T/demo/storage" | head)"
kill -INT "${PIDS[demo]}"
set +e; wait "${PIDS[demo]}"; rc=$?; set -e
unset "PIDS[demo]"
expect_eq "$rc" 0 "demo: stops cleanly on Ctrl-C"
