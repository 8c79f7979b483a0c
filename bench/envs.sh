#!/usr/bin/env bash
# Environment benchmark (docs/benchmarks.md): how long until a task has a ready Python
# environment when it is cached, when lab must build it, and when a person creates a venv
# and pip-installs the same wheels by hand, all in the same run, offline (tiny wheels made
# on the spot). Usage: bench/envs.sh [BUILD_DIR] [RUNS]   (defaults: build/release, 5)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
runs=${2:-5}
tests=$build/tests/lab_tests
[ -x "$tests" ] || { echo "build first: cmake --build $build (no $tests)" >&2; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(python3 --version)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
LAB_BENCH_RUNS=$runs "$tests" -tc='bench: envs*' --no-skip -s 2>&1 | sed -n '/envs benchmark/,/by hand/p'
