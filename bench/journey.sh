#!/usr/bin/env bash
# The journey benchmark (bench/journey.py) with a real single-node Slurm started beside it, so
# sbatch is measured as the peer in the same run.   Usage: bench/journey.sh BUILD_DIR
# (JOURNEY_BENCH=slurm_journey.py runs that benchmark instead; bench/slurm_journey.sh does.)
set -euo pipefail
build=$(cd "${1:?usage: bench/journey.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lib/shared.sh"
"$here/../scripts/install-deps.sh" --e2e   # Slurm, and ab as the load generator
ci=${LAB_SLURM_CI:-$shared_dir/slurm/slurm-ci.sh}
export SLURM_CI_BASE="$build/slurm-bench" SLURM_CI_PORT_BASE=${SLURM_CI_PORT_BASE:-27817}
export SLURM_CONF="$SLURM_CI_BASE/etc/slurm.conf"
trap 'bash "$ci" down || true' EXIT
mkdir -p "$SLURM_CI_BASE"; bash "$ci" up >/dev/null
python3 "$here/${JOURNEY_BENCH:-journey.py}" "$build"
