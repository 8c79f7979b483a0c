#!/usr/bin/env python3
"""lab on Slurm beside raw Slurm, in the same run on the same single-node cluster.

  bench/slurm_journey.sh BUILD_DIR   (starts the Slurm; SLURM_CONF must point at it)

Starts `lab remote` with `[executor] type = "slurm"` and `lab proxy` as separate processes and
measures, next to `sbatch` alone:
  1. submit -> RUNNING: a task through the proxy until lab's own event says running, against
     `sbatch` until `squeue` says RUNNING (N each, one after another, the cluster idle);
  2. 200 submissions: POSTs to the proxy from one keep-alive client, against a shell loop of
     `sbatch` (held jobs); and how long until Slurm holds all 200 of lab's jobs.
Prints a Markdown table.
"""
import os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import journey as J  # noqa: E402

N = int(os.environ.get("N", "10"))
# [executor] keys to set beyond type and partition (default: none, so lab's defaults are measured),
# e.g. EXECUTOR_TOML='poll_interval_ms = 250' or 'sbatch_parallel = 1'.
EXTRA = os.environ.get("EXECUTOR_TOML", "")


def lab_submit_to_running(api, snap):
    lat = []
    for _ in range(N):
        _, body = api.call("POST", "/tasks", {"spec": J.spec("sleep 1"), "snapshot": snap})
        task = J.wait_final(api, body["task"]["id"])
        a, b = J.event_ms(task, "pending"), J.event_ms(task, "running")
        if a is not None and b is not None: lat.append(b - a)
    return lat


def lab_submissions(api, snap, n=200):
    # One task takes every CPU of the node, so the 200 after it wait in Slurm's queue.
    blocker = J.spec("sleep 600"); blocker["resources"]["cpus"] = int(os.environ.get("NODE_CPUS", "2"))
    _, body = api.call("POST", "/tasks", {"spec": blocker, "snapshot": snap})
    while api.call("GET", f"/tasks/{body['task']['id']}")[1]["task"]["state"] != "running": time.sleep(0.05)
    spec = J.spec("sleep 600")
    t0 = time.time()
    for _ in range(n):
        s, _ = api.call("POST", "/tasks", {"spec": spec, "snapshot": snap})
        if s != 201: raise RuntimeError(f"submit refused: {s}")
    accepted = time.time() - t0
    while subprocess.run(["squeue", "-h", "-r", "-o", "%i"], capture_output=True, text=True).stdout.count("\n") < n + 1:
        if time.time() - t0 > 300: raise RuntimeError("Slurm never held all of lab's jobs")
        time.sleep(0.05)
    return n / accepted, time.time() - t0


def sbatch_loop(n=200):
    with tempfile.TemporaryDirectory() as d:
        open(f"{d}/held.sh", "w").write("#!/bin/bash\n#SBATCH --hold\ntrue\n")
        t0 = time.time()
        for _ in range(n):
            subprocess.run(["sbatch", "--parsable", "-o", "/dev/null", f"{d}/held.sh"], capture_output=True, check=True)
        return n / (time.time() - t0)


def clear():
    subprocess.run(["scancel", "--user", os.environ.get("USER", "root")], capture_output=True)
    while subprocess.run(["squeue", "-h"], capture_output=True, text=True).stdout.strip(): time.sleep(0.2)


def main():
    if not os.environ.get("SLURM_CONF"): sys.exit("SLURM_CONF must point at a running Slurm (use bench/slurm_journey.sh)")
    tmp = tempfile.mkdtemp(prefix="lab-slurm-bench.")
    ports, procs = J.start_cluster(tmp, f'[executor]\ntype = "slurm"\npartition = "debug"\n{EXTRA}\n', workers=0)
    try:
        _, body = J.Api(ports["proxy"]).call("POST", "/auth/register", {"name": "bench", "password": "bench-password"})
        api = J.Api(ports["proxy"], body["token"])
        _, body = api.call("POST", "/snapshots", {"manifest": {"format": "lab-manifest", "version": 1, "hash": "xxh3-128", "count": 0, "total_bytes": 0, "entries": []}})
        snap = body["snapshot"]
        clear()
        lat = lab_submit_to_running(api, snap)
        peer = J.slurm_peer()  # sbatch -> RUNNING, and its submission rate with one client
        clear()
        rate, all_held = lab_submissions(api, snap)
        clear()
        loop = sbatch_loop()
        clear()
        print(f"| measurement ([executor] {EXTRA or 'defaults'}) | lab | sbatch alone (same run) | goal |\n|---|---|---|---|")
        print(f"| submit → RUNNING (n={len(lat)} / {len(peer['lat'])}) | p50 {statistics.median(lat):.0f} ms, p99 {J.pct(lat, 99):.0f} ms "
              f"| p50 {statistics.median(peer['lat']):.0f} ms, p99 {J.pct(peer['lat'], 99):.0f} ms | lab adds ≤ 100 ms |")
        print(f"| 200 submissions | {rate:.0f}/s accepted; all 200 held by Slurm after {all_held:.1f} s ({200 / all_held:.0f}/s) "
              f"| {loop:.0f}/s (shell loop of sbatch) | at least sbatch's rate |")
    finally:
        clear()
        J.stop_cluster(tmp, procs)


if __name__ == "__main__":
    main()
