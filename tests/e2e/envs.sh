#!/usr/bin/env bash
# Python environments through all roles, with real Python and pip but no package index: the
# suite builds small wheels into a wheelhouse that remote.toml names. A task with a
# requirements.txt imports its package inside the environment the worker built; tasks with
# the same requirements build it once (one after the other, and two at once on a two-slot
# worker); a broken requirement fails the task with pip's own message in `lab logs`, is not
# cached, and the next task tries again; a project without requirements is told at submit
# what was guessed and how to pin it; a uv.lock project on a cluster without uv gets the
# lock's versions.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/cluster.sh"
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e installs it)"
python3 -m venv "$T/venv-check" >/dev/null 2>&1 || fail "python3 -m venv does not work (scripts/install-deps.sh installs python3-venv)"

WHEELS="$T/wheelhouse"
MAKE_WHEEL="${LAB_SOURCE_DIR:-$(dirname "$0")/../..}/tests/unit/envs/fixtures/make_wheel.py"
python3 "$MAKE_WHEEL" "$WHEELS" labpkg 1.0 >/dev/null
python3 "$MAKE_WHEEL" "$WHEELS" labpkg 2.0 >/dev/null
python3 "$MAKE_WHEEL" "$WHEELS" labextra 0.3 >/dev/null

REMOTE_EXTRA_TOML="[environments]
wheelhouse = \"$WHEELS\"" WORKER_ARGS="--slots 2" cluster_up 1
student alice

# project NAME REQUIREMENTS|-: a project printing which labpkg it imports and from where.
project() {
  local dir="$T/alice/$1"
  mkdir -p "$dir"
  [ "$2" = - ] || printf '%s\n' "$2" > "$dir/requirements.txt"
  cat > "$dir/task.toml" <<TOML
name = "$1"
[resources]
memory = "512M"
time_limit = "0:05:00"
[run]
command = "python train.py"
TOML
  cat > "$dir/train.py" <<'PY'
import sys
import labpkg
print("labpkg", labpkg.__version__, "from", labpkg.__file__, flush=True)
print("prefix", sys.prefix, flush=True)
PY
}

# submit NAME: submits project NAME as alice; the task id in $ID, the environment key the
# CLI computed in $KEY_OF, stderr in $ERR.
submit() {
  pushd "$T/alice/$1" >/dev/null
  set +e
  LAB_CONFIG_DIR="$T/users/alice" "$LAB" submit --json >"$T/$1.json" 2>"$T/$1.err"
  set -e
  popd >/dev/null
  ERR=$(cat "$T/$1.err")
  ID=$(jq -r .task_id "$T/$1.json") KEY_OF=$(jq -r .environment.key "$T/$1.json")
  [ -n "$ID" ] && [ "$ID" != null ] || fail "submit $1 printed no task id: $ERR $(cat "$T/$1.json")"
}

builds_of() { grep -c "built environment $1" "$C/worker1.log" || true; }
env_keys() { find "$C/worker1/envs" -maxdepth 1 -type l -printf '%f\n' 2>/dev/null | sort; }

# 1. requirements.txt + wheelhouse: the task imports the pinned package from the environment.
project first "labpkg==1.0"
submit first
expect_contains "$ERR" "environment: requirements.txt" "submit names the environment's inputs"
KEY=$KEY_OF
wait_state alice "$ID" completed 120
as alice logs "$ID"
expect_contains "$OUT" "labpkg 1.0 from $C/worker1/envs/builds/$KEY" "the task imports labpkg 1.0 from the built environment"
expect_contains "$OUT" "env: \$ " "the build's commands stream into the task's log"
expect_contains "$OUT" "environment ${KEY:0:12} built" "the log says the environment was built"
expect_eq "$(env_keys)" "$KEY" "one environment on the worker, named by its key"
[ -f "$C/worker1/envs/$KEY/lab-env.json" ] || fail "the built environment has no ready marker"
CHECKS=$((CHECKS + 1))

# 2. The same requirements in another project: no second build.
project second "labpkg==1.0"
submit second
wait_state alice "$ID" completed 120
as alice logs "$ID"
expect_contains "$OUT" "environment ${KEY:0:12} ready (already built" "the second task reuses the environment"
expect_contains "$OUT" "labpkg 1.0" "the second task imports labpkg"
expect_eq "$KEY_OF" "$KEY" "the same requirements give the same key"
expect_eq "$(builds_of "$KEY")" 1 "the key was built once for two tasks"

# 3. Two tasks at once with a new key on a two-slot worker: built once, both run in it.
project a2 "labpkg==2.0"
project b2 "labpkg==2.0"
submit a2; A2=$ID
submit b2; B2=$ID
wait_state alice "$A2" completed 120
wait_state alice "$B2" completed 120
KEY2=$KEY_OF
CHECKS=$((CHECKS + 1)); [ "$KEY2" != "$KEY" ] || fail "changing a pin kept the key"
expect_eq "$(builds_of "$KEY2")" 1 "two tasks at once with one key build it once"
as alice logs "$B2"; expect_contains "$OUT" "labpkg 2.0" "task b2 imports labpkg 2.0"
as alice logs "$A2"; expect_contains "$OUT" "labpkg 2.0" "task a2 imports labpkg 2.0"

# 4. A requirement the wheelhouse cannot satisfy: the task fails with pip's message; nothing is
# cached, and the next task with it builds again (and fails again).
project broken "labpkg==9.9"
submit broken
wait_state alice "$ID" failed 120
as alice logs "$ID"
expect_contains "$OUT" "No matching distribution found for labpkg==9.9" "pip's error is in the task's log"
expect_contains "$OUT" "building the Python environment" "the failure names the environment build"
expect_eq "$(env_keys | wc -l)" 2 "a failed build leaves no environment behind"
submit broken
wait_state alice "$ID" failed 120
as alice logs "$ID"
expect_contains "$OUT" "No matching distribution found for labpkg==9.9" "the next task tries the build again"

# 5. No requirements at all: the guess is printed at submit, with how to pin it, and the task
# gets the guessed package.
project guessed -
submit guessed
expect_contains "$ERR" "guessed its Python packages from its imports" "submit says requirements were guessed"
expect_contains "$ERR" "labpkg" "submit names the guessed package"
expect_contains "$ERR" "(import labpkg in train.py)" "submit says which file led to the guess"
expect_contains "$ERR" "requirements.txt" "submit says how to pin"
wait_state alice "$ID" completed 120
as alice logs "$ID"
expect_contains "$OUT" "labpkg 2.0" "the guessed package is installed at its newest version"

# 6. A project importing only the standard library builds nothing.
mkdir -p "$T/alice/plain"
printf 'import os, json\nprint("plain", os.sep)\n' > "$T/alice/plain/train.py"
printf '[run]\ncommand = "python3 train.py"\n' > "$T/alice/plain/task.toml"
submit plain
CHECKS=$((CHECKS + 1)); ! grep -q "environment:" <<<"$ERR" || fail "a stdlib-only project got an environment: $ERR"
wait_state alice "$ID" completed 120
as alice logs "$ID"
CHECKS=$((CHECKS + 1)); ! grep -q "preparing: environment" <<<"$OUT" || fail "a stdlib-only task built an environment: $OUT"

# 6b. A uv.lock project on a cluster without uv: installed at the lock's versions by pip (the
# wheelhouse also offers labpkg 2.0, which an unpinned install would take).
project uvlocked -
cat > "$T/alice/uvlocked/pyproject.toml" <<'TOML'
[project]
name = "uvlocked"
version = "0.1.0"
dependencies = ["labpkg"]
TOML
cat > "$T/alice/uvlocked/uv.lock" <<'TOML'
version = 1
requires-python = ">=3.8"

[[package]]
name = "labpkg"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "uvlocked"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "labpkg" }]
TOML
submit uvlocked
expect_contains "$ERR" "environment: uv.lock + pyproject.toml" "submit names uv.lock as the environment's input"
wait_state alice "$ID" completed 120
as alice logs "$ID"
expect_contains "$OUT" "uv is not installed here" "the log says pip installs the lock's versions"
expect_contains "$OUT" "labpkg 1.0 from $C/worker1/envs/builds/$KEY_OF" "the task imports the locked labpkg 1.0 from its environment"
[ -f "$C/worker1/envs/$KEY_OF/lab-env.json" ] || fail "the uv.lock environment has no ready marker"
CHECKS=$((CHECKS + 1))

# 7. A dataset that was never synced is refused in plain words (tests/e2e/data_sync.sh has the rest).
printf '[run]\ncommand = "true"\n[files]\ndatasets = ["mnist"]\n' > "$T/alice/plain/task.toml"
pushd "$T/alice/plain" >/dev/null
as alice submit
popd >/dev/null
CHECKS=$((CHECKS + 1)); [ "$RC" != 0 ] || fail "a task with a missing dataset was accepted"
expect_contains "$OUT" 'dataset "mnist" not found' "a missing dataset is refused in plain words"
