#!/usr/bin/env python3
"""lab on Slurm beside raw Slurm, in the same run on the same single-node cluster.

  bench/slurm_journey.sh BUILD_DIR   (starts the Slurm; SLURM_CONF must point at it)

Starts `lab remote` with `[executor] type = "slurm"` and `lab proxy` as separate processes and
measures, next to `sbatch` alone:
  1. submit -> running: a task through the proxy until lab's own event says running (lab says
     so when the job's script has started), against `sbatch` until the script has started
     (and until `squeue` says RUNNING); N each, one after another, the cluster idle. Each
     job prints the time its script started, and slurmctld's log stamps when each sbatch
     reached it, so lab's own share is measured per task: proxy accepted -> sbatch at
     slurmctld, plus script started -> lab's running event. The rest is Slurm's.
  2. 200 submissions: POSTs to the proxy from one keep-alive client, against a shell loop of
     `sbatch` (held jobs); and how long until Slurm holds all 200 of lab's jobs.
Prints a Markdown table.
"""
import datetime, os, random, re, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import journey as J  # noqa: E402

N = int(os.environ.get("N", "10"))
# [executor] keys to set beyond type and partition (default: none, so lab's defaults are measured),
# e.g. EXECUTOR_TOML='poll_interval_ms = 250' or 'sbatch_parallel = 1'.
EXTRA = os.environ.get("EXECUTOR_TOML", "")


# The job's first output line: the wall time its script started, in seconds.
STAMP = "date +%s.%N"


def slurmctld_times():
    """JobId -> {"rpc": when slurmctld received its sbatch, "alloc": when it allocated the job}
    (ms since the epoch), from slurmctld's log."""
    out = {}
    log = os.path.join(os.environ.get("SLURM_CI_BASE", ""), "log", "slurmctld.log")
    tz = datetime.datetime.now().astimezone().tzinfo
    for line in open(log, errors="replace"):
        m = re.match(r"\[(\S+)\] (_slurm_rpc_submit_batch_job:|sched: Allocate) JobId=(\d+)", line)
        if m:
            t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=tz).timestamp() * 1000
            out.setdefault(m.group(3), {})["rpc" if m.group(2).startswith("_") else "alloc"] = t
    return out


def job_ids():
    """Job name -> JobId of ended jobs, from the jobcomp file."""
    out = {}
    for line in open(os.path.join(os.environ.get("SLURM_CI_BASE", ""), "log", "jobcomp.txt"), errors="replace"):
        i, n = re.search(r"JobId=(\d+)", line), re.search(r" Name=(\S+)", line)
        if i and n: out[n.group(1)] = i.group(1)
    return out


def lab_submit_to_running(api, snap):
    """Per task: submit -> running, and lab's own share of it (None where a stamp is missing)."""
    tasks = []
    for _ in range(N):
        time.sleep(random.uniform(0, 1))  # a random phase of slurmctld's scheduling cycle
        _, body = api.call("POST", "/tasks", {"spec": J.spec(f"{STAMP}; sleep 1"), "snapshot": snap})
        task = J.wait_final(api, body["task"]["id"])
        _, log, _ = api.call("GET", f"/tasks/{task['id']}/logs?from=0", raw=True)
        m = re.search(rb"(\d{10}\.\d+)", log)
        tasks.append({"id": task["id"], "pending": J.event_ms(task, "pending"), "running": J.event_ms(task, "running"),
                      "script": float(m.group(1)) * 1000 if m else None})
    time.sleep(1)  # the jobcomp file is written as jobs end
    ctld, ids = slurmctld_times(), job_ids()
    lat, share, to_slurm, to_lab, slurm_part, after_script = [], [], [], [], [], []
    for t in tasks:
        if t["pending"] is None or t["running"] is None: continue
        lat.append(t["running"] - t["pending"])
        c = ctld.get(next((v for k, v in ids.items() if t["id"] in k), None), {})
        if "rpc" in c and "alloc" in c and t["script"]:
            # Slurm says the job runs when it allocates it or the script starts, whichever is
            # seen first; lab's part is before the sbatch arrives and after that moment.
            slurm_says = min(c["alloc"], t["script"])
            to_slurm.append(c["rpc"] - t["pending"]); to_lab.append(max(0, t["running"] - slurm_says))
            share.append(to_slurm[-1] + to_lab[-1]); slurm_part.append(t["script"] - c["rpc"])
            after_script.append(t["running"] - t["script"])
    return lat, share, to_slurm, to_lab, slurm_part, after_script


def sbatch_to_start(n=N):
    """sbatch -> the script started (its own stamp; nothing asks slurmctld meanwhile), Slurm's
    part of that (sbatch at slurmctld -> script started), and, for another n jobs, sbatch ->
    squeue says RUNNING (squeue every 10 ms); in ms."""
    start, running, stamps = [], [], {}
    with tempfile.TemporaryDirectory() as d:
        open(f"{d}/job.sh", "w").write(f"#!/bin/bash\n{STAMP}\nsleep 1\n")
        for i in range(2 * n):
            time.sleep(random.uniform(0, 1) + 0.3)  # a random phase of slurmctld's scheduling cycle
            t0 = time.time()
            jid = subprocess.check_output(["sbatch", "--parsable", "-o", f"{d}/out{i}", f"{d}/job.sh"], text=True).strip()
            if i < n:
                while not (os.path.exists(f"{d}/out{i}") and open(f"{d}/out{i}").read().strip()): time.sleep(0.005)
                stamps[jid] = float(open(f"{d}/out{i}").read().split()[0]) * 1000
                start.append(stamps[jid] - t0 * 1000)
            else:
                while subprocess.run(["squeue", "-h", "-j", jid, "-o", "%T"], capture_output=True, text=True).stdout.strip() \
                        not in ("RUNNING", "COMPLETING", ""): time.sleep(0.01)
                running.append((time.time() - t0) * 1000)
            while subprocess.run(["squeue", "-h", "-j", jid], capture_output=True, text=True).stdout.strip(): time.sleep(0.05)
    ctld = slurmctld_times()
    return start, running, [ms - ctld[j]["rpc"] for j, ms in stamps.items() if "rpc" in ctld.get(j, {})]


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
        lat, share, to_slurm, to_lab, slurm_lab, after_script = lab_submit_to_running(api, snap)
        clear()
        start, running, slurm_peer = sbatch_to_start()
        clear()
        rate, all_held = lab_submissions(api, snap)
        clear()
        loop = sbatch_loop()
        clear()
        print(f"| measurement ([executor] {EXTRA or 'defaults'}) | lab | sbatch alone (same run) | goal |\n|---|---|---|---|")
        def p(xs): return f"p50 {statistics.median(xs):.0f} ms, p99 {J.pct(xs, 99):.0f} ms (n={len(xs)})" if xs else "not measured"
        print(f"| submit → script started | {p(lat)} (lab's running event) | {p(start)} (sbatch → script started); "
              f"{p(running)} (sbatch → squeue RUNNING) | — |")
        print(f"| of which Slurm's: sbatch at slurmctld → script started | {p(slurm_lab)} | {p(slurm_peer)} | — |")
        print(f"| lab's own share of it | {p(share)}: accepted → sbatch at slurmctld {p(to_slurm)}, Slurm says running (allocated, or the "
              f"script started if seen first) → lab's running event {p(to_lab)}; "
              f"script started → lab's running event {p(after_script)} | — | ≤ 100 ms |")
        print(f"| 200 submissions | {rate:.0f}/s accepted; all 200 held by Slurm after {all_held:.1f} s ({200 / all_held:.0f}/s) "
              f"| {loop:.0f}/s (shell loop of sbatch) | at least sbatch's rate |")
    finally:
        clear()
        J.stop_cluster(tmp, procs)


if __name__ == "__main__":
    main()
