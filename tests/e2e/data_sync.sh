#!/usr/bin/env bash
# Datasets, the upload side, through real processes over real HTTP: `lab data sync` uploads a
# folder once (a second sync of the same folder uploads nothing), an interrupted sync
# (kill -9 of the CLI halfway, its upload slowed by a throttling relay) resumes uploading only
# the rest, `lab data list` shows mine and the course-wide ones, a task naming a missing
# dataset is refused in plain words, and one student never sees or uses another's dataset.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/cluster.sh"
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e installs it)"

cluster_up 0
student alice
student bob
printf 'admin password\n' | "$LAB" proxy user add root --admin --password-stdin --config "$C/proxy.toml" >/dev/null
mkdir -p "$T/users/root"
set +e; OUT=$(printf 'admin password\n' | LAB_CONFIG_DIR="$T/users/root" "$LAB" login root --password-stdin 2>&1); RC=$?; set -e
expect_eq "$RC" 0 "the admin logs in ($OUT)"

# Stored blobs: objects under projects/blobs (without the storage's own temp files).
blob_count() { find "$C/storage/projects/blobs" -type f ! -name '.lab-*' 2>/dev/null | wc -l; }

# --- a small dataset: sync, sync again, list ---
mkdir -p "$T/mnist/train" "$T/mnist/.git"
for i in 1 2 3; do printf 'image %s\n' "$i" > "$T/mnist/train/$i.txt"; done
echo "labels" > "$T/mnist/labels.csv"
echo "*.csv" > "$T/mnist/.gitignore"            # not read for datasets
echo "secret" > "$T/mnist/.git/config"          # always left out
echo "scratch/" > "$T/mnist/.labignore"
mkdir -p "$T/mnist/scratch"; echo "tmp" > "$T/mnist/scratch/x"
as_json alice data sync "$T/mnist" --name mnist --json
expect_eq "$RC" 0 "alice syncs mnist ($(cat "$T/users/alice.err"))"
expect_eq "$(jq -r .created <<<"$OUT")" true "the first sync creates the dataset"
# train/1..3, labels.csv (.gitignore not read), .gitignore, .labignore; not .git nor scratch/
expect_eq "$(jq -r .files <<<"$OUT")" 6 "dataset files: .git and .labignore'd folders left out, .gitignore not read"
expect_eq "$(jq -r .uploaded_files <<<"$OUT")" 6 "every file uploaded the first time"
MNIST=$(jq -r .manifest <<<"$OUT")
expect_eq "$(jq -r .key <<<"$OUT")" "datasets/$MNIST/" "the dataset's storage key"
[ -f "$C/storage/datasets/$MNIST/manifest.json" ] || fail "no manifest at datasets/$MNIST/manifest.json"

as alice data sync "$T/mnist" --name mnist
expect_eq "$RC" 0 "a second sync succeeds"
expect_contains "$OUT" "nothing to upload, all already stored" "a second sync says nothing is uploaded"
expect_contains "$OUT" "dataset mnist unchanged" "a second sync of an unchanged folder changes nothing"

as alice data sync "$T/mnist" --name "bad name"
expect_eq "$RC" 2 "a bad name is a usage error"
expect_contains "$OUT" "may use only letters, digits" "a bad name is explained"
as alice data sync "$T/nowhere" --name x
expect_eq "$RC" 1 "a missing folder fails"

# --- an interrupted sync resumes where it stopped ---
mkdir -p "$T/big"
head -c $((160 * 128 * 1024)) /dev/urandom | split -b $((128 * 1024)) -a 3 - "$T/big/part-"
TOTAL=$(ls "$T/big" | wc -l)
RELAY_PORT=$(free_port)
# A relay that passes the CLI's bytes to the proxy at about 4 MB/s (answers unthrottled).
python3 - "$RELAY_PORT" "$PROXY_PORT" >"$C/relay.log" 2>&1 <<'PY' &
import socket, sys, threading, time
listen = socket.socket(); listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listen.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # little in flight when the CLI dies
listen.bind(("127.0.0.1", int(sys.argv[1]))); listen.listen(16)
def pipe(src, dst, rate):
    try:
        while True:
            data = src.recv(16384)
            if not data: break
            dst.sendall(data)
            if rate: time.sleep(len(data) / rate)
    except OSError: pass
    for s in (src, dst):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
while True:
    c, _ = listen.accept()
    p = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    threading.Thread(target=pipe, args=(c, p, 4e6), daemon=True).start()
    threading.Thread(target=pipe, args=(p, c, 0), daemon=True).start()
PY
PIDS[relay]=$!
wait_port "$RELAY_PORT"
BEFORE=$(blob_count)
LAB_CONFIG_DIR="$T/users/alice" "$LAB" data sync "$T/big" --name big --proxy "http://127.0.0.1:$RELAY_PORT" \
  >"$T/big1.out" 2>&1 &
SYNC=$!
for ((i = 0; i < 200; i++)); do [ $(( $(blob_count) - BEFORE )) -ge 30 ] && break; sleep 0.05; done
kill -9 "$SYNC"; wait "$SYNC" 2>/dev/null || true
# The relay still passes on what it had read; wait until the count stops moving.
LAST=-1
for ((i = 0; i < 50; i++)); do N=$(blob_count); [ "$N" = "$LAST" ] && break; LAST=$N; sleep 0.4; done
DONE=$(( $(blob_count) - BEFORE ))
CHECKS=$((CHECKS + 1)); [ "$DONE" -ge 30 ] && [ "$DONE" -lt "$TOTAL" ] ||
  fail "the interrupted sync should have stored part of the $TOTAL files, stored $DONE; $(cat "$T/big1.out")"
as alice data list --json
expect_eq "$(jq -r '[.[].name] | join(",")' <<<"$OUT")" "mnist" "an interrupted sync registers nothing"

as_json alice data sync "$T/big" --name big --json
expect_eq "$RC" 0 "the resumed sync succeeds ($(cat "$T/users/alice.err"))"
expect_eq "$(jq -r .stored_files <<<"$OUT")" "$DONE" "the resumed sync finds what the interrupted one stored"
expect_eq "$(jq -r .uploaded_files <<<"$OUT")" "$((TOTAL - DONE))" "the resumed sync uploads only the rest"
expect_contains "$(tail -n 3 "$T/users/alice.err")" "$DONE already stored" "the resumed sync says how much is already stored"
expect_eq "$(( $(blob_count) - BEFORE ))" "$TOTAL" "every file stored once"

# --- list: mine and the course-wide ones ---
mkdir -p "$T/course"; echo "shared by the course" > "$T/course/readme.txt"
as root data sync "$T/course" --name imagenet-mini
expect_eq "$RC" 0 "the admin syncs a course-wide dataset ($OUT)"
as alice data list
expect_eq "$RC" 0 "alice lists datasets"
expect_contains "$OUT" "mnist" "alice sees her dataset"
expect_contains "$OUT" "imagenet-mini" "alice sees the course-wide dataset"
expect_contains "$OUT" "root (course-wide)" "the course-wide one names its owner"

# --- isolation: bob sees and uses only his own and the course-wide ones ---
as_json bob data list --json
expect_eq "$(jq -r '[.[].name] | join(",")' <<<"$OUT")" "imagenet-mini" "bob sees only the course-wide dataset"
as bob data list --all
expect_eq "$RC" 1 "--all is for admins"
mkdir -p "$T/bob/proj"
printf 'print("hi")\n' > "$T/bob/proj/train.py"
printf '[run]\ncommand = "python3 train.py"\n[files]\ndatasets = ["mnist"]\n' > "$T/bob/proj/task.toml"
pushd "$T/bob/proj" >/dev/null
as bob submit
expect_eq "$RC" 1 "bob cannot use alice's dataset"
expect_contains "$OUT" 'task.toml: [files] datasets: dataset "mnist" not found' "the refusal names the file and the dataset"
expect_contains "$OUT" "lab data list" "the refusal says how to see the datasets"
expect_contains "$OUT" "lab data sync PATH --name mnist" "the refusal says how to upload it"
pushd "$T/bob" >/dev/null   # no task.toml here
as bob run --data no-such-data -- true
expect_eq "$RC" 1 "a missing dataset is refused by run --data"
expect_contains "$OUT" '--data or task.toml'"'"'s [files] datasets: dataset "no-such-data" not found' "run --data names the missing dataset"
popd >/dev/null
as_json bob list --json
expect_eq "$(jq -r '(if type == "array" then . else .tasks end) | length' <<<"$OUT")" 0 "no task was created"
printf '[run]\ncommand = "python3 train.py"\n[files]\ndatasets = ["imagenet-mini"]\n' > task.toml
as_json bob submit --json
expect_eq "$RC" 0 "bob submits with the course-wide dataset ($(cat "$T/users/bob.err"))"
popd >/dev/null

# Alice's own "imagenet-mini" comes first for her, and is invisible to bob.
mkdir -p "$T/mine"; echo "alice's copy" > "$T/mine/readme.txt"
as alice data sync "$T/mine" --name imagenet-mini
as alice data list
expect_contains "$OUT" 'your own "imagenet-mini" comes first' "alice's list says which one she gets"
as_json bob data list --json
expect_eq "$(jq -r '[.[] | .owner] | join(",")' <<<"$OUT")" "root" "bob still sees only the admin's"
