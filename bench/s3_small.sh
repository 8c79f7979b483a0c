#!/usr/bin/env bash
# A folder of many small files up and down through lab beside `aws s3 sync`, in the same run
# on the same real S3 server (OpenStack Swift's s3api, started here):
#   up:   `lab submit` of a project holding the folder, against `lab demo --config` with
#         [storage] type = "s3" (hash the files, ask which blobs are missing, stream them to
#         the proxy, which stores one object per file) vs `aws s3 sync DIR s3://...`
#   down: `lab pull` of the task's results (the task copies the folder to outputs/, so the
#         results are the same files, one object each) vs `aws s3 sync s3://... DIR`
# Per round a fresh demo (own ledger, own key prefix) and fresh caches, so nothing is known
# beforehand. Wall time and peak RSS of the lab CLI and the AWS CLI (/usr/bin/time), and the
# demo process's peak RSS (VmHWM: proxy, remote and one worker in one process); medians.
# Every download is compared with the original folder.
# Usage: bench/s3_small.sh BUILD_DIR   (env: FILES=10000 MAX_KB=8 R=3; LAB=path/to/lab for another build)
set -euo pipefail
build=$(cd "${1:?usage: bench/s3_small.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
FILES=${FILES:-10000} MAX_KB=${MAX_KB:-8} R=${R:-3}
lab=${LAB:-$build/lab}
[ -x "$lab" ] || { echo "build lab first: cmake --build $build --target lab" >&2; exit 1; }
for cmd in aws jq python3 /usr/bin/time; do
  command -v "$cmd" >/dev/null || { echo "$cmd is missing (scripts/install-deps.sh --e2e installs it)" >&2; exit 1; }
done
source "$here/../tests/s3/server.sh"
work="$build/s3-small-bench"
rm -rf "$work"; mkdir -p "$work"
demo_pid=""
stop_all() { [ -z "$demo_pid" ] || { kill -INT "$demo_pid" 2>/dev/null; wait "$demo_pid" 2>/dev/null; } || true; s3_server_down; }
trap stop_all EXIT
s3_server_up "$work/s3" lab-small
awscli=(aws --endpoint-url "$S3_ENDPOINT")
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "making $FILES files of 0-$MAX_KB KiB of random bytes" >&2
mkdir -p "$work/proj"
python3 - "$work/proj/data" "$FILES" "$MAX_KB" <<'PY'
import os, random, sys
root, n, max_kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(7)
for i in range(n):
    d = os.path.join(root, "%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(rnd.randint(0, max_kb * 1024)))
PY
total_kb=$(du -sk --apparent-size "$work/proj/data" | cut -f1)
cat > "$work/proj/task.toml" <<'TOML'
name = "small-files"
[resources]
cpus = 1
memory = "512M"
time_limit = "0:30:00"
[run]
command = "mkdir -p outputs && cp -r data/. outputs/"
[files]
download = ["outputs/**"]
TOML

declare -A secs rss
# measure NAME CMD...: appends wall seconds and peak RSS (kB) of CMD to NAME's samples.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" ||
    { echo "$name failed: $(cat "$work/err.txt")" >&2; exit 1; }
  read -r s k < <(tail -n 1 "$work/time.txt")
  secs[$name]+="$s " rss[$name]+="$k "
  echo "  $name: $s s, peak RSS $k kB" >&2
}
for r in $(seq "$R"); do
  echo "round $r of $R" >&2
  printf '[storage]\ntype = "s3"\nendpoint = "%s"\nbucket = "lab-small"\nprefix = "lab-r%s/"\n' "$S3_ENDPOINT" "$r" >"$work/demo.toml"
  export LAB_CONFIG_DIR="$work/cfg-r$r" LAB_CACHE_DIR="$work/cache-r$r"
  "$lab" demo --dir "$work/demo-r$r" --port 0 --workers 1 --config "$work/demo.toml" >"$work/demo.out" 2>&1 &
  demo_pid=$!
  for ((i = 0; i < 150; i++)); do grep -qs 'Ctrl-C' "$work/demo.out" && break; sleep 0.1; done
  grep -qs 'Ctrl-C' "$work/demo.out" || { echo "the demo did not start: $(cat "$work/demo.out")" >&2; exit 1; }

  cd "$work/proj"; measure lab_up "$lab" submit --json; cd "$work"
  id=$(jq -r .task_id "$work/out.txt")
  uploaded=$(jq -r .uploaded_files "$work/out.txt")
  [ "$uploaded" = "$((FILES + 1))" ] || { echo "lab uploaded $uploaded files, not $((FILES + 1))" >&2; exit 1; }
  measure aws_up "${awscli[@]}" s3 sync --only-show-errors "$work/proj/data" "s3://lab-small/aws-r$r/"

  start=$(date +%s.%N)
  for ((i = 0; i < 1800; i++)); do
    state=$("$lab" status "$id" --json | jq -r '(.task // .).state')
    case $state in completed) break ;; failed|cancelled) echo "the task $state: $(tail -n 20 "$work/demo-r$r/demo.log")" >&2; exit 1 ;; esac
    sleep 0.2
  done
  [ "$state" = completed ] || { echo "the task did not finish" >&2; exit 1; }
  echo "  task (fetch $FILES blobs, copy, store $FILES results): $(echo "$(date +%s.%N) - $start" | bc) s" >&2

  measure lab_down "$lab" pull "$id" -o "$work/down-lab-r$r"
  diff -r "$work/proj/data" "$work/down-lab-r$r/outputs" >/dev/null || { echo "lab's download differs" >&2; exit 1; }
  measure aws_down "${awscli[@]}" s3 sync --only-show-errors "s3://lab-small/aws-r$r/" "$work/down-aws-r$r"
  diff -r "$work/proj/data" "$work/down-aws-r$r" >/dev/null || { echo "the AWS CLI's download differs" >&2; exit 1; }
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$demo_pid/status")
  rss[demo]+="$hwm "
  echo "  demo process (proxy, remote, worker): peak RSS $hwm kB" >&2
  kill -INT "$demo_pid"; wait "$demo_pid" || true; demo_pid=""
  rm -rf "$work/down-lab-r$r" "$work/down-aws-r$r" "$work/demo-r$r"
done

echo "| transfer ($FILES files, $((total_kb / 1024)) MiB) | tool | wall (median) | files/s | MiB/s | peak RSS (median) | samples (s) |"
echo "|---|---|---|---|---|---|---|"
for name in lab_up aws_up lab_down aws_down; do
  s=$(tr ' ' '\n' <<<"${secs[$name]}" | grep . | median)
  k=$(tr ' ' '\n' <<<"${rss[$name]}" | grep . | median)
  awk -v t="${name#*_}" -v who="${name%_*}" -v s="$s" -v k="$k" -v n="$FILES" -v kb="$total_kb" -v all="${secs[$name]}" \
    'BEGIN { printf "| %s | %s | %.1f s | %.0f | %.1f | %.0f MB | %s|\n", t, who, s, n / s, kb / 1024 / s, k / 1024, all }'
done
k=$(tr ' ' '\n' <<<"${rss[demo]}" | grep . | median)
echo "demo process (proxy + remote + worker) peak RSS, median: $((k / 1024)) MB ($(tr ' ' ',' <<<"${rss[demo]}") kB)"
