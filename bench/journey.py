#!/usr/bin/env python3
"""The whole journey's speed and memory, on roles started as separate processes over loopback.

  bench/journey.py BUILD_DIR     (bench/journey.sh also starts a real Slurm as the peer)

Measures, against a fresh proxy + remote + 2 workers:
  1. submit -> running on an idle worker (p50, p99), from the task's own event times;
  2. log latency: a task prints its clock every 20 ms; a follower long-polling the logs API
     notes when each line arrives (p50, p99);
  3. tasks accepted per second with 50 concurrent clients (POST /tasks, 10 s), sent by
     ApacheBench (`ab`, apache2-utils) so the load generator's own CPU stays small beside the
     roles on a small machine (a Python client when `ab` is missing, said in the table);
  4. proxy resident memory with 200 concurrent log followers (VmRSS, and VmHWM);
and, when SLURM_CONF points at a running Slurm, the same submit->running and accept rate for
sbatch as the peer. Prints a Markdown table.
"""
import http.client, json, os, re, secrets, shutil, socket, statistics, subprocess, sys, tempfile, threading, time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build/release"
LAB = os.path.abspath(os.path.join(BUILD, "lab"))
N_LAT = int(os.environ.get("N", "30"))


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


class Api:
    def __init__(self, port, token=None):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method, path, body=None, raw=False):
        headers = {"Content-Type": "application/json"}
        if self.token: headers["Authorization"] = "Bearer " + self.token
        data = json.dumps(body) if body is not None else None
        for attempt in range(3):
            try:
                self.conn.request(method, "/api/v1" + path, body=data, headers=headers)
                r = self.conn.getresponse(); payload = r.read()
                if raw: return r.status, payload, r
                return r.status, (json.loads(payload) if payload else None)
            except (ConnectionError, http.client.HTTPException):
                self.conn.close(); self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        raise RuntimeError(f"{method} {path} failed")


def start_cluster(tmp, executor_toml="", workers=2):
    """Starts remote, proxy and `workers` workers; `executor_toml` is appended to remote.toml."""
    ports = {k: free_port() for k in ("proxy", "mailbox", "workers")}
    tt, wt = secrets.token_hex(16), secrets.token_hex(16)
    open(f"{tmp}/remote.toml", "w").write(f"""
[transport]
listen = true
host = "127.0.0.1"
port = {ports['mailbox']}
token = "{tt}"
[storage]
root = "storage"
[database]
path = "remote.db"
[paths]
envs_dir = "envs"
tasks_dir = "tasks"
cache_dir = "cache"
[workers]
host = "127.0.0.1"
port = {ports['workers']}
token = "{wt}"
{executor_toml}
""")
    open(f"{tmp}/proxy.toml", "w").write(f"""
[server]
host = "127.0.0.1"
port = {ports['proxy']}
[auth]
open_registration = true
[transport]
url = "http://127.0.0.1:{ports['mailbox']}"
token = "{tt}"
[storage]
root = "storage"
[database]
path = "proxy.db"
""")
    log = open(f"{tmp}/roles.log", "w")
    procs = {"remote": subprocess.Popen([LAB, "remote", "--config", f"{tmp}/remote.toml"], stdout=log, stderr=log)}
    time.sleep(0.5)
    procs["proxy"] = subprocess.Popen([LAB, "proxy", "--config", f"{tmp}/proxy.toml"], stdout=log, stderr=log)
    env = dict(os.environ, LAB_WORKER_TOKEN=wt)
    for i in range(1, workers + 1):
        procs[f"w{i}"] = subprocess.Popen([LAB, "worker", "--remote", f"http://127.0.0.1:{ports['workers']}",
                                           "--name", f"w{i}", "--cpus", "1", "--work-dir", f"{tmp}/w{i}"],
                                          stdout=log, stderr=log, env=env)
    for _ in range(100):
        try:
            if Api(ports["proxy"]).call("GET", "/health")[0] == 200: break
        except Exception: pass
        time.sleep(0.1)
    return ports, procs


def stop_cluster(tmp, procs):
    """Stops the roles start_cluster started and says where their logs are."""
    for p in procs.values(): p.terminate()
    for p in procs.values():
        try: p.wait(10)
        except subprocess.TimeoutExpired: p.kill()
    print(f"(role logs in {tmp}/roles.log)", file=sys.stderr)


def spec(command):
    return {"name": "bench", "resources": {"cpus": 1, "memory": "256M", "time_limit": "0:10:00"},
            "run": {"command": command}}


def event_ms(task, state):
    for e in task.get("events", []):
        if e["state"] == state: return e["at_ms"]
    return None


def wait_final(api, tid, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        _, body = api.call("GET", f"/tasks/{tid}")
        task = body["task"]
        if task["state"] in ("completed", "failed", "cancelled"): return task
        time.sleep(0.05)
    raise RuntimeError(f"task {tid} did not finish")


def bench_submit_to_running(api, snap):
    lat = []
    for _ in range(N_LAT):
        _, body = api.call("POST", "/tasks", {"spec": spec("true"), "snapshot": snap})
        task = wait_final(api, body["task"]["id"])
        a, b = event_ms(task, "pending"), event_ms(task, "running")
        if a is not None and b is not None: lat.append(b - a)
    return lat


def bench_log_latency(api, snap, port, token):
    cmd = "python3 -c \"import time\nfor i in range(300):\n print('t', time.time(), flush=True); time.sleep(0.02)\""
    _, body = api.call("POST", "/tasks", {"spec": spec(cmd), "snapshot": snap})
    tid = body["task"]["id"]
    follower = Api(port, token); off = 0; lat = []; buf = b""
    while True:
        status, data, r = follower.call("GET", f"/tasks/{tid}/logs?from={off}&wait=30", raw=True)
        now = time.time()
        off = int(r.getheader("X-Lab-Log-Offset", off)); buf += data
        *lines, buf = buf.split(b"\n")
        for line in lines:
            parts = line.split()
            if len(parts) >= 4 and parts[1] == b"out" and parts[2] == b"t": lat.append((now - float(parts[3])) * 1000)
        if r.getheader("X-Lab-Log-Complete") == "1": return lat


def cpu_ms(pid):
    """CPU time (user + system) the process `pid` has used so far, in ms."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def cpu_per_task(procs, before, after, accepted):
    """CPU ms per accepted task for each role (workers summed), from cpu_ms readings."""
    roles = {"proxy": ["proxy"], "remote": ["remote"], "workers": [n for n in procs if n.startswith("w")]}
    return {role: sum(after[n] - before[n] for n in names) / max(1, accepted) for role, names in roles.items()}


def bench_accept_rate(port, token, snap, clients=50, seconds=10):
    """(accepted per second, refused, loader, accepted): POST /tasks from `clients` keep-alive connections."""
    if shutil.which("ab"):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as body:
            body.write(json.dumps({"spec": spec("true"), "snapshot": snap})); body.flush()
            out = subprocess.run(["ab", "-q", "-k", "-t", str(seconds), "-n", "10000000", "-c", str(clients),
                                  "-p", body.name, "-T", "application/json", "-H", f"Authorization: Bearer {token}",
                                  f"http://127.0.0.1:{port}/api/v1/tasks"], capture_output=True, text=True, check=True).stdout
        field = lambda name: float(re.search(rf"^{name}:\s+([0-9.]+)", out, re.M).group(1))
        done, taken = field("Complete requests"), field("Time taken for tests")
        m = re.search(r"^Non-2xx responses:\s+(\d+)", out, re.M)
        refused = int(m.group(1)) if m else 0
        return (done - refused) / taken, refused, "ab", done - refused
    rate, errors, accepted = bench_accept_rate_python(port, token, snap, clients, seconds)
    return rate, errors, "Python threads", accepted


def bench_accept_rate_python(port, token, snap, clients, seconds):
    count = [0] * clients; errors = [0] * clients; stop = time.time() + seconds
    def client(i):
        api = Api(port, token)
        while time.time() < stop:
            s, _ = api.call("POST", "/tasks", {"spec": spec("true"), "snapshot": snap})
            if s == 201: count[i] += 1
            else: errors[i] += 1
    ts = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.time(); [t.start() for t in ts]; [t.join() for t in ts]
    return sum(count) / (time.time() - t0), sum(errors), sum(count)


def rss_kb(pid, field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"): return int(line.split()[1])


def bench_followers(api, snap, port, token, pid, n=200):
    _, body = api.call("POST", "/tasks", {"spec": spec("sleep 20; echo end"), "snapshot": snap})
    tid = body["task"]["id"]; done = threading.Event(); live = [0]
    def follow():
        f = Api(port, token); off = 0
        while not done.is_set():
            s, data, r = f.call("GET", f"/tasks/{tid}/logs?from={off}&wait=25", raw=True)
            if s != 200: break
            live[0] += 0; off = int(r.getheader("X-Lab-Log-Offset", off))
            if r.getheader("X-Lab-Log-Complete") == "1": break
    before = rss_kb(pid)
    ts = [threading.Thread(target=follow, daemon=True) for _ in range(n)]; [t.start() for t in ts]
    time.sleep(5)
    during = rss_kb(pid)
    done.set(); api.call("POST", f"/tasks/{tid}/cancel")
    return before, during, rss_kb(pid, "VmHWM")


def slurm_peer():
    if not os.environ.get("SLURM_CONF"): return None
    out = {}
    with tempfile.TemporaryDirectory() as d:
        open(f"{d}/job.sh", "w").write("#!/bin/bash\ntrue\n")
        lat = []
        for _ in range(min(N_LAT, 10)):
            t0 = time.time()
            jid = subprocess.check_output(["sbatch", "--parsable", "-o", "/dev/null", f"{d}/job.sh"], text=True).strip()
            while True:
                st = subprocess.run(["squeue", "-h", "-j", jid, "-o", "%T"], capture_output=True, text=True).stdout.strip()
                if st in ("RUNNING", "COMPLETING", ""): break
                time.sleep(0.01)
            lat.append((time.time() - t0) * 1000); time.sleep(0.3)
        out["lat"] = lat
        open(f"{d}/held.sh", "w").write("#!/bin/bash\n#SBATCH --hold\ntrue\n")
        t0 = time.time(); n = 0
        while time.time() - t0 < 5:
            subprocess.run(["sbatch", "--parsable", "-o", "/dev/null", f"{d}/held.sh"], capture_output=True); n += 1
        out["rate"] = n / (time.time() - t0)
        subprocess.run(["scancel", "--user", os.environ.get("USER", "root")], capture_output=True)
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="lab-journey-bench.")
    ports, procs = start_cluster(tmp)
    try:
        s, body = Api(ports["proxy"]).call("POST", "/auth/register", {"name": "bench", "password": "bench-password"})
        token = body["token"]; api = Api(ports["proxy"], token)
        s, body = api.call("POST", "/snapshots", {"manifest": {"format": "lab-manifest", "version": 1, "hash": "xxh3-128", "count": 0, "total_bytes": 0, "entries": []}})
        if s not in (200, 201): raise RuntimeError(f"snapshot: {s} {body}")
        snap = body["snapshot"]
        lat = bench_submit_to_running(api, snap)
        logl = bench_log_latency(api, snap, ports["proxy"], token)
        cpu_before = {n: cpu_ms(p.pid) for n, p in procs.items()}
        rate, errs, loader, accepted = bench_accept_rate(ports["proxy"], token, snap)
        cpu = cpu_per_task(procs, cpu_before, {n: cpu_ms(p.pid) for n, p in procs.items()}, accepted)
        before, during, hwm = bench_followers(api, snap, ports["proxy"], token, procs["proxy"].pid)
        peer = slurm_peer()
        print(f"| measurement | lab | goal | peer (same run) |\n|---|---|---|---|")
        pl = f"sbatch → RUNNING p50 {statistics.median(peer['lat']):.0f} ms, p99 {pct(peer['lat'], 99):.0f} ms" if peer else "—"
        print(f"| submit → running, idle worker (n={len(lat)}) | p50 {statistics.median(lat):.0f} ms, p99 {pct(lat, 99):.0f} ms | p50 ≤ 100 ms | {pl} |")
        print(f"| log line → `logs -f` (n={len(logl)}) | p50 {statistics.median(logl):.1f} ms, p99 {pct(logl, 99):.1f} ms | p99 ≤ 250 ms | — |")
        pr = f"sbatch: {peer['rate']:.0f} submissions/s (one client)" if peer else "—"
        print(f"| tasks accepted/s, 50 clients ({loader}), 10 s | {rate:.0f}/s ({errs} refused) | ≥ 500/s | {pr} |")
        print(f"| CPU per accepted task, same 10 s | proxy {cpu['proxy']:.2f} ms, remote {cpu['remote']:.2f} ms, workers {cpu['workers']:.2f} ms | — | — |")
        print(f"| proxy RSS, 200 log followers | {during / 1024:.1f} MB (idle {before / 1024:.1f} MB, peak {hwm / 1024:.1f} MB) | ≤ 50 MB | — |")
    finally:
        stop_cluster(tmp, procs)


if __name__ == "__main__":
    main()
