#!/usr/bin/env bash
# One large object up and down through lab's S3 storage backend beside the AWS CLI and curl,
# in the same run on the same real S3 server (OpenStack Swift's s3api, started here):
#   up:   lab (storage put_stream, length unknown: the proxy's path) vs `aws s3 cp FILE s3://`
#   down: lab (storage get_stream) vs `aws s3 cp s3:// FILE` vs curl on a presigned URL
# Wall time and peak resident memory (/usr/bin/time) per transfer; R rounds; medians.
# Usage: bench/s3.sh BUILD_DIR   (env: MB=2048 R=3)
set -euo pipefail
build=$(cd "${1:?usage: bench/s3.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
MB=${MB:-2048} R=${R:-3}
tool="$build/tests/lab_s3_tool"
[ -x "$tool" ] || { echo "build lab_s3_tool first: cmake --build $build --target lab_s3_tool" >&2; exit 1; }
for cmd in aws curl /usr/bin/time; do
  command -v "$cmd" >/dev/null || { echo "$cmd is missing (scripts/install-deps.sh --e2e installs it)" >&2; exit 1; }
done
source "$here/../tests/s3/server.sh"
trap s3_server_down EXIT
s3_server_up "$build/s3-bench" lab-bench
export LAB_S3_BUCKET=lab-bench
work="$build/s3-bench/work"; mkdir -p "$work"
awscli=(aws --endpoint-url "$S3_ENDPOINT")
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "making a $MB MiB file of random bytes" >&2
head -c "$((MB << 20))" /dev/urandom > "$work/big.bin"

declare -A secs rss
# measure NAME CMD...: appends wall seconds and peak RSS (kB) of CMD to NAME's samples.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" ||
    { echo "$name failed: $(cat "$work/err.txt")" >&2; exit 1; }
  read -r s k < <(tail -n 1 "$work/time.txt")
  secs[$name]+="$s " rss[$name]+="$k "
  echo "  $name: $s s, peak RSS $k kB" >&2
}
for r in $(seq "$R"); do
  echo "round $r of $R" >&2
  measure lab_up "$tool" store-put "$work/big.bin" big-lab
  measure aws_up "${awscli[@]}" s3 cp "$work/big.bin" s3://lab-bench/big-aws
  rm -f "$work/down.bin"
  measure lab_down "$tool" store-get big-lab "$work/down.bin"
  cmp "$work/big.bin" "$work/down.bin"; rm -f "$work/down.bin"
  measure aws_down "${awscli[@]}" s3 cp s3://lab-bench/big-lab "$work/down.bin"
  cmp "$work/big.bin" "$work/down.bin"; rm -f "$work/down.bin"
  url=$("$tool" presign big-lab 2>/dev/null)
  measure curl_down curl -fsS -o "$work/down.bin" "$url"
  cmp "$work/big.bin" "$work/down.bin"; rm -f "$work/down.bin"
done

echo "| transfer ($MB MiB) | tool | wall (median) | MiB/s | peak RSS (median) | samples (s) |"
echo "|---|---|---|---|---|---|"
for name in lab_up aws_up lab_down aws_down curl_down; do
  s=$(tr ' ' '\n' <<<"${secs[$name]}" | grep . | median)
  k=$(tr ' ' '\n' <<<"${rss[$name]}" | grep . | median)
  awk -v t="${name#*_}" -v who="${name%_*}" -v s="$s" -v k="$k" -v mb="$MB" -v all="${secs[$name]}" \
    'BEGIN { printf "| %s | %s | %.1f s | %.0f | %.0f MB | %s|\n", t, who, s, mb / s, k / 1024, all }' 
done
rm -f "$work/big.bin"
