#!/usr/bin/env bash
# Runs `lab demo` and, against it, the example project end to end: submit, follow the log,
# pull the results. On a terminal the demo then keeps running until Ctrl-C; elsewhere it stops.
#   scripts/demo-example.sh [LAB_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
LAB=$(realpath "${1:-build/release/lab}")
DIR=${LAB_DEMO_DIR:-$PWD/build/demo}
PORT=${LAB_DEMO_PORT:-8800}
OUT=$(mktemp -d)
"$LAB" demo --dir "$DIR" --port "$PORT" >"$OUT/demo.out" 2>&1 &
DEMO=$!
trap 'kill -INT $DEMO 2>/dev/null; wait $DEMO 2>/dev/null; rm -rf "$OUT"' EXIT
for _ in $(seq 100); do grep -q "Ctrl-C" "$OUT/demo.out" && break; kill -0 $DEMO 2>/dev/null || break; sleep 0.1; done
cat "$OUT/demo.out"
grep -q "Ctrl-C" "$OUT/demo.out" || { echo "the demo did not start (see above)" >&2; exit 1; }

echo
echo "\$ cd examples/toy-regression && lab submit --wait"
(cd examples/toy-regression && "$LAB" submit --wait)
ID=$("$LAB" list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print((d["tasks"] if isinstance(d, dict) else d)[0]["id"])')
echo
echo "\$ lab pull $ID -o $DIR/results"
"$LAB" pull "$ID" -o "$DIR/results"
find "$DIR/results" -type f | sed "s|^|  |"
if [ -t 0 ]; then
  echo
  echo "The demo keeps running: try \`lab run -- python3 -c 'print(42)'\` or \`lab list\`."
  echo "Press Ctrl-C to stop it."
  wait $DEMO || true
fi
