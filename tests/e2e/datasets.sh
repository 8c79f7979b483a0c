#!/usr/bin/env bash
# Datasets through the real binary (docs/datasets.md): a dataset synced once, two tasks using
# it at once on two workers of `lab demo` both read it; it is on disk once (one folder in the
# dataset cache, the same inode in both tasks and in the blob cache); it is read-only; it is
# never a result.
source "$(dirname "$0")/lib/common.sh"
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e installs it)"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$LAB" demo --dir "$T/demo" --port "$PORT" --workers 2 >"$T/demo.out" 2>"$T/demo.err" &
DEMO=$!
stop_demo() { kill -INT "$DEMO" 2>/dev/null || true; wait "$DEMO" 2>/dev/null || true; }
ON_EXIT_HOOKS+=(stop_demo)
for ((i = 0; i < 100; i++)); do grep -q "Ctrl-C" "$T/demo.out" 2>/dev/null && break; sleep 0.1; done
grep -q "Ctrl-C" "$T/demo.out" || fail "the demo did not come up: $(cat "$T/demo.out" "$T/demo.err")"

# The dataset: a few files, one executable, one in a sub-folder.
mkdir -p "$T/cifar/train"
printf 'cat\ndog\n' > "$T/cifar/labels.txt"
for i in 1 2 3; do echo "pixels $i" > "$T/cifar/train/img$i.bin"; done
expect_rc 0 "$LAB" data sync "$T/cifar" --name cifar

# Two projects using it; each task reads it, reports what it sees, tries to write it, and asks
# for datasets/ as a result (which must not come back).
for p in one two; do
  mkdir -p "$T/$p"
  cat > "$T/$p/task.toml" <<TOML
name = "$p"
[resources]
memory = "256M"
time_limit = "0:05:00"
[files]
datasets = ["cifar"]
download = ["outputs/", "datasets/"]
[run]
command = "sh read.sh"
TOML
  cat > "$T/$p/read.sh" <<'SH'
set -u
mkdir -p outputs
head -n1 datasets/cifar/labels.txt > outputs/first.txt
stat -c %i datasets/cifar/labels.txt > outputs/inode.txt
stat -c %a datasets/cifar/labels.txt > outputs/mode.txt
stat -L -c %a datasets/cifar/train > outputs/dirmode.txt
echo "$LAB_DATASETS_DIR" > outputs/dir.txt
# The write is tried as an unprivileged user: root ignores file modes.
w="sh -c 'echo x >> datasets/cifar/labels.txt'"
r="sh -c 'cat datasets/cifar/labels.txt >/dev/null'"
if [ "$(id -u)" = 0 ]; then w="setpriv --reuid=65534 --regid=65534 --clear-groups $w"; r="setpriv --reuid=65534 --regid=65534 --clear-groups $r"; fi
if eval "$r" 2>/dev/null; then echo readable; else echo unreadable; fi > outputs/read.txt
if eval "$w" 2>/dev/null; then echo written; else echo refused; fi > outputs/write.txt
sleep 1
SH
done
chmod 755 "$T"  # the unprivileged reader must be able to reach the demo's folders

(cd "$T/one" && "$LAB" submit --json >"$T/one.json" 2>"$T/one.err") &
S1=$!
(cd "$T/two" && "$LAB" submit --json >"$T/two.json" 2>"$T/two.err") &
S2=$!
wait "$S1" "$S2"
A=$(jq -r .task_id "$T/one.json"); B=$(jq -r .task_id "$T/two.json")
[ -n "$A" ] && [ "$A" != null ] || fail "submit printed no task id: $(cat "$T/one.json" "$T/one.err")"
[ -n "$B" ] && [ "$B" != null ] || fail "submit printed no task id: $(cat "$T/two.json" "$T/two.err")"
for id in "$A" "$B"; do
  for ((i = 0; i < 300; i++)); do
    state=$("$LAB" status "$id" --json | jq -r .state)
    case "$state" in completed | failed | cancelled) break ;; esac
    sleep 0.1
  done
  expect_eq "$state" completed "task $id ends completed ($("$LAB" logs "$id" 2>&1 | tail -5))"
done

for id in "$A" "$B"; do
  expect_rc 0 "$LAB" pull "$id" -o "$T/res-$id"
  expect_eq "$(cat "$T/res-$id/outputs/first.txt")" cat "task $id reads the dataset"
  expect_eq "$(cat "$T/res-$id/outputs/mode.txt")" 444 "the dataset's files are read-only"
  expect_eq "$(cat "$T/res-$id/outputs/dirmode.txt")" 555 "the dataset's folders are read-only"
  expect_eq "$(cat "$T/res-$id/outputs/read.txt")" readable "an unprivileged task can read the dataset"
  expect_eq "$(cat "$T/res-$id/outputs/write.txt")" refused "an unprivileged task cannot write the dataset"
  expect_contains "$(cat "$T/res-$id/outputs/dir.txt")" "/datasets" "LAB_DATASETS_DIR names the task's datasets folder"
  CHECKS=$((CHECKS + 1)); [ ! -e "$T/res-$id/datasets" ] || fail "the dataset came back as a result of $id: $(find "$T/res-$id")"
  expect_contains "$("$LAB" logs "$id" 2>&1)" "dataset cifar ready" "the task's log says the dataset is ready"
done

# Stored once: one copy in the demo's dataset cache, the same inode in both tasks, in that copy
# and in the blob cache; no worker made a copy of its own.
copies=$(find "$T/demo/remote/datasets" -mindepth 1 -maxdepth 1 -not -name '.*' | wc -l)
expect_eq "$copies" 1 "one copy of the dataset in the demo's dataset cache"
copy=$(find "$T/demo/remote/datasets" -mindepth 1 -maxdepth 1 -not -name '.*')
expect_eq "$(cat "$T/res-$A/outputs/inode.txt")" "$(cat "$T/res-$B/outputs/inode.txt")" "both tasks read the same file on disk"
expect_eq "$(stat -c %i "$copy/labels.txt")" "$(cat "$T/res-$A/outputs/inode.txt")" "that file is the cache's copy"
blob_links=$(stat -c %h "$copy/labels.txt")
CHECKS=$((CHECKS + 1)); [ "$blob_links" -ge 2 ] || fail "the dataset's file is not hard-linked with the blob cache (links: $blob_links)"
CHECKS=$((CHECKS + 1)); [ -z "$(find "$T/demo/workers" -path '*/datasets/*' 2>/dev/null | head -1)" ] || fail "a worker kept its own copy: $(find "$T/demo/workers" -path '*/datasets/*')"
CHECKS=$((CHECKS + 1)); [ -z "$(find "$T/demo/remote/datasets" -name '.partial-*')" ] || fail "a partial copy was left behind"
expect_eq "$(cat "$copy/labels.txt")" "$(printf 'cat\ndog')" "the dataset is unchanged after the tasks"
