#!/usr/bin/env bash
# lab's Slurm client beside raw sbatch, in the same run on the same single-node Slurm:
#   1. submit -> RUNNING: lab's client (submit, then poll) vs sbatch + squeue polling, N times each
#   2. 200 held submissions: lab's client (4 threads) vs a shell loop of sbatch, R rounds each
# Usage: bench/slurm.sh BUILD_DIR   (env: N=7 R=3 SLURM_CI_PORT_BASE=27817)
set -euo pipefail
build=$(cd "${1:?usage: bench/slurm.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lib/shared.sh"
ci=${LAB_SLURM_CI:-$shared_dir/slurm/slurm-ci.sh}
tool="$build/tests/lab_slurm_bench"
N=${N:-7} R=${R:-3}
export SLURM_CI_BASE="$build/slurm-bench" SLURM_CI_PORT_BASE=${SLURM_CI_PORT_BASE:-27817}
export SLURM_CONF="$SLURM_CI_BASE/etc/slurm.conf"
trap 'bash "$ci" down || true' EXIT
mkdir -p "$SLURM_CI_BASE"; bash "$ci" up
work="$SLURM_CI_BASE/work"; rm -rf "$work"; mkdir -p "$work"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now_ms() { date +%s%3N; }
clear_jobs() { scancel --partition=debug 2>/dev/null || true; while [ -n "$(squeue -h -o %i)" ]; do sleep 0.2; done; }

printf '#!/bin/bash\nsleep 2\n' > "$work/raw.sh"
printf '#!/bin/bash\n#SBATCH --hold\ntrue\n' > "$work/held.sh"

raw_lat=() lab_lat=()
for i in $(seq "$N"); do
  t0=$(now_ms); id=$(sbatch --parsable -o /dev/null "$work/raw.sh")
  until [ "$(squeue -h -j "$id" -o %T)" = RUNNING ]; do sleep 0.01; done
  raw_lat+=($(( $(now_ms) - t0 ))); scancel "$id"; sleep 0.5
  lab_lat+=($("$tool" latency "$work" 1)); clear_jobs
done

raw_thr=() lab_thr=()
for r in $(seq "$R"); do
  t0=$(now_ms); for i in $(seq 200); do sbatch --parsable -o /dev/null "$work/held.sh" >/dev/null; done
  raw_thr+=($(( $(now_ms) - t0 ))); clear_jobs
  lab_thr+=($("$tool" throughput "$work" 200 4)); clear_jobs
done

rl=$(printf '%s\n' "${raw_lat[@]}" | median) ll=$(printf '%s\n' "${lab_lat[@]}" | median)
rt=$(printf '%s\n' "${raw_thr[@]}" | median) lt=$(printf '%s\n' "${lab_thr[@]}" | median)
echo "machine: $(nproc) cores, $(uname -r), slurm $(sbatch --version | awk '{print $2}'), $(date -u +%Y-%m-%d)"
echo "submit->RUNNING median ms: sbatch+squeue $rl | lab client $ll   (samples: raw ${raw_lat[*]} | lab ${lab_lat[*]})"
echo "200 submissions median ms: sbatch loop $rt | lab client $lt   (samples: raw ${raw_thr[*]} | lab ${lab_thr[*]})"
