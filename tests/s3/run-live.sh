#!/usr/bin/env bash
# The S3 suite against a real server: starts OpenStack Swift's s3api on free loopback ports
# (state under BUILD_DIR/s3-live), runs the C++ live tests, checks interop with the aws CLI
# both ways, and the memory bound of a large upload + download. Stops the server on any exit.
#   tests/s3/run-live.sh BUILD_DIR   (CTest runs it as s3.live; LAB_S3_MEM_MB sets the size)
set -euo pipefail
build=$(cd "${1:?usage: run-live.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/server.sh"
trap s3_server_down EXIT
s3_server_up "$build/s3-live" lab-live,lab-interop
free_port() { s3_free_port; }
export LAB_S3_BUCKET=lab-live LAB_S3_DEAD_PORT=$(free_port)

echo "== C++ live tests" >&2
"$build/tests/lab_s3_live_tests"

echo "== interop with the aws CLI" >&2
tool="$build/tests/lab_s3_tool"
aws() { command aws --endpoint-url "$S3_ENDPOINT" "$@"; }
work="$build/s3-live/work"; mkdir -p "$work"
head -c 3000000 /dev/urandom > "$work/a.bin"
export LAB_S3_BUCKET=lab-interop
for key in "inter op/a b.bin" "inter op/ü+=&%.bin"; do
  "$tool" put "$work/a.bin" "$key" 2>/dev/null
  aws s3 cp "s3://lab-interop/$key" "$work/by-aws.bin" >/dev/null
  cmp "$work/a.bin" "$work/by-aws.bin"
done
# Objects the aws CLI put, under keys with spaces, unicode and + = & %, read back by lab.
for key in "from aws/x=1&y.bin" "from aws/a b/ü ñ 日本 + = & %20 %.bin"; do
  aws s3 cp "$work/a.bin" "s3://lab-interop/$key" >/dev/null
  rm -f "$work/by-lab.bin"
  "$tool" get "$key" "$work/by-lab.bin" 2>/dev/null
  cmp "$work/a.bin" "$work/by-lab.bin"
  "$tool" ls "from aws/" 2>/dev/null | grep -qxF "3000000 $key" || { echo "lab's listing lacks '$key'" >&2; exit 1; }
done
ours=$("$tool" ls "" 2>/dev/null | sort)
theirs=$(aws s3api list-objects-v2 --bucket lab-interop --query 'Contents[].[Size,Key]' --output text | tr '\t' ' ' | sort)
[ "$ours" = "$theirs" ] || { echo "listings differ:"; echo "lab: $ours"; echo "aws: $theirs"; exit 1; } >&2
uploads=$(aws s3api list-multipart-uploads --bucket lab-live --query 'Uploads[].Key' --output text)
[ -z "$uploads" ] || [ "$uploads" = None ] || { echo "multipart uploads left behind: $uploads" >&2; exit 1; }

mb=${LAB_S3_MEM_MB:-300}
echo "== memory: $mb MB up and down stays under 100 MB resident" >&2
truncate -s "${mb}M" "$work/big.bin"
for step in "put $work/big.bin big" "get big $work/big.back" "store-put $work/big.bin big-stream" \
            "store-get big-stream $work/big.stream"; do
  rss=$("$tool" $step 2>&1 >/dev/null | sed -n 's/^peak_rss_kb //p')
  echo "  $step: peak RSS ${rss} kB" >&2
  [ "$rss" -lt 102400 ] || { echo "peak RSS ${rss} kB is over 100 MB" >&2; exit 1; }
done
cmp "$work/big.bin" "$work/big.back"
cmp "$work/big.bin" "$work/big.stream"
rm -f "$work"/big.*
echo "s3 live suite passed" >&2
