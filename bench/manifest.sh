#!/usr/bin/env bash
# Benchmark of `lab files --json` (the upload manifest) on a generated tree of 10,000 files
# totalling about 1 GB, beside `git status` and `tar | zstd -1` on the same tree in the same
# run. Prints medians (ms) as a Markdown table for docs/benchmarks.md.
#   bench/manifest.sh [path/to/lab]     (default: build/release/lab)
# Environment: RUNS (default 10), COLD_RUNS (5), FILES (10000), TOTAL_MB (1024), BENCH_DIR (a temp folder).
set -euo pipefail
cd "$(dirname "$0")/.."
LAB=$(realpath "${1:-build/release/lab}")
RUNS=${RUNS:-10}
COLD_RUNS=${COLD_RUNS:-5}
FILES=${FILES:-10000}
TOTAL_MB=${TOTAL_MB:-1024}

# The tools measured beside lab; installed here when missing (Debian).
need=()
command -v git >/dev/null || need+=(git)
command -v zstd >/dev/null || need+=(zstd)
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    echo "[bench] could not install ${need[*]}; falling back where possible" >&2
fi

WORK=${BENCH_DIR:-$(mktemp -d /tmp/lab-bench.XXXXXX)}
trap '[ -z "${BENCH_DIR:-}" ] && rm -rf "$WORK"' EXIT
TREE="$WORK/tree"
export LAB_CACHE_DIR="$WORK/cache"

echo "[bench] generating $FILES files, ~$TOTAL_MB MB under $TREE" >&2
python3 - "$TREE" "$FILES" "$TOTAL_MB" <<'PY'
import os, random, sys
root, n, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) << 20
rng = random.Random(42)
# 1% large files carry ~90% of the bytes; the rest are small sources, configs and logs.
big = max(1, n // 100)
small_bytes = total // 10
for i in range(n):
    d = os.path.join(root, f"d{i % 100:02d}", f"s{(i // 100) % 10}")
    os.makedirs(d, exist_ok=True)
    size = (total - small_bytes) // big if i % 100 == 0 else rng.randint(0, 2 * small_bytes // (n - big))
    with open(os.path.join(d, f"f{i:05d}.{'bin' if i % 100 == 0 else 'py'}"), "wb") as f:
        f.write(rng.randbytes(size))
with open(os.path.join(root, ".gitignore"), "w") as f:
    f.write("*.pyc\n__pycache__/\n/build/\n")
PY
du -sh "$TREE" >&2

echo "[bench] committing the tree to git (for git status)" >&2
git -C "$TREE" init -q --template=
git -C "$TREE" -c core.compression=1 add -A
git -C "$TREE" -c user.name=bench -c user.email=bench@example.invalid commit -q -m tree
sleep 4  # let every file leave lab's racy-timestamp window, as it would in real use

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; }
if drop_caches; then COLD_NOTE="page cache dropped before each cold run"
else COLD_NOTE="page cache could not be dropped here (not permitted): cold = empty stat cache, files in page cache"; fi
PREP_COLD="rm -rf '$LAB_CACHE_DIR'; sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true"

RESULTS="$WORK/results.txt"
: > "$RESULTS"
# measure NAME PREPARE COMMAND [RUNS]: median milliseconds appended to $RESULTS.
measure() {
  local name=$1 prep=$2 cmd=$3 RUNS=${4:-$RUNS}
  if command -v hyperfine >/dev/null; then
    hyperfine --style none --warmup 1 --runs "$RUNS" --prepare "$prep" \
      --export-json "$WORK/h.json" "$cmd" >/dev/null
    python3 -c 'import json,sys; print(sys.argv[1] + "\t%.1f" % (json.load(open(sys.argv[2]))["results"][0]["median"] * 1000))' \
      "$name" "$WORK/h.json" >> "$RESULTS"
  else
    local times=()
    for _ in $(seq "$RUNS"); do
      sh -c "$prep"
      local t0; t0=$(date +%s%N); sh -c "$cmd"; times+=($(( ($(date +%s%N) - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | python3 -c 'import sys; v=[int(x) for x in sys.stdin]; print(sys.argv[1] + "\t%.1f" % (v[len(v)//2]/1000))' "$name" >> "$RESULTS"
  fi
  tail -1 "$RESULTS" >&2
}

measure "lab files --json, cold (empty stat cache)" "$PREP_COLD" "'$LAB' files --json '$TREE' > /dev/null" "$COLD_RUNS"
measure "tar -cf - DIR \\| zstd -1, cold (page cache dropped)" "$PREP_COLD" "tar -C '$TREE' --exclude=.git -cf - . | zstd -1 -q -T1 > /dev/null" "$COLD_RUNS"
measure "cat of every file, cold (page cache dropped)" "$PREP_COLD" "find '$TREE' -path '$TREE/.git' -prune -o -type f -print0 | xargs -0 cat > /dev/null" "$COLD_RUNS"
"$LAB" files --json "$TREE" > /dev/null  # fill the stat cache
measure "lab files --json, warm (unchanged tree)" "true" "'$LAB' files --json '$TREE' > /dev/null"
measure "lab files (paths only, no hashing)" "true" "'$LAB' files '$TREE' > /dev/null"
measure "git status (index present)" "true" "git -C '$TREE' status --porcelain > /dev/null"
measure "tar -cf - DIR \\| zstd -1" "true" "tar -C '$TREE' --exclude=.git -cf - . | zstd -1 -q -T1 > /dev/null"

echo
echo "Tree: $FILES files, $(du -sb --exclude=.git "$TREE" | cut -f1) bytes; $RUNS runs each ($COLD_RUNS for cold ones); $COLD_NOTE."
echo
echo "| measurement | median (ms) |"
echo "|---|---|"
while IFS=$'\t' read -r name ms; do echo "| $name | $ms |"; done < "$RESULTS"
