#!/usr/bin/env bash
# lab on Slurm beside raw Slurm (bench/slurm_journey.py), on a real single-node Slurm started by
# bench/journey.sh.   Usage: bench/slurm_journey.sh BUILD_DIR   (env: N=10, EXECUTOR_TOML='poll_interval_ms = 250')
exec env JOURNEY_BENCH=slurm_journey.py "$(dirname "$0")/journey.sh" "$@"
