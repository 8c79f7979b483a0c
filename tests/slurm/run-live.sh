#!/usr/bin/env bash
# The Slurm client against a real single-node Slurm 22.05: starts it with the shared
# slurm-ci.sh under BUILD_DIR/slurm-live (own ports, so it does not meet another Slurm on
# the machine), runs the live tests, and stops it on any exit.
#   tests/slurm/run-live.sh BUILD_DIR   (CTest runs it as slurm.live)
set -euo pipefail
build=$(cd "${1:?usage: run-live.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
# The shared peers are found by tests/lib/shared.sh.
source "$here/../lib/shared.sh"
ci=${LAB_SLURM_CI:-$shared_dir/slurm/slurm-ci.sh}
export SLURM_CI_BASE="$build/slurm-live"
export SLURM_CI_PORT_BASE=${SLURM_CI_PORT_BASE:-26817}
export SLURM_CONF="$SLURM_CI_BASE/etc/slurm.conf"
cleanup() { bash "$ci" down || true; }
trap cleanup EXIT
mkdir -p "$SLURM_CI_BASE"
bash "$ci" up
"$build/tests/lab_slurm_live_tests" "${@:2}"
echo "slurm live suite passed" >&2
