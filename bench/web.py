"""The web pages' server side with 10,000 tasks in the ledger: the time the proxy takes to answer
the calls each page makes (the pages are static files; everything they show comes from these
calls), and the size of the embedded assets.   Usage: python3 bench/web.py BUILD_DIR

A proxy is started alone (no remote needed), one student registers, 10,000 of their tasks are
written straight into its ledger (as a semester of submits would leave them), and every call is
timed 30 times over one kept-alive connection; medians and 90th percentiles are printed.
"""
import http.client, json, os, random, socket, sqlite3, statistics, subprocess, sys, tempfile, time

build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/release")
lab = os.path.join(build, "lab")
src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = 10_000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


work = tempfile.mkdtemp(prefix="lab-web-bench-")
port = free_port()
with open(os.path.join(work, "proxy.toml"), "w") as f:
    f.write(f"""[server]
host = "127.0.0.1"
port = {port}
[auth]
open_registration = true
[transport]
url = "http://127.0.0.1:{free_port()}"
token = "bench-token-bench-token"
[storage]
root = "storage"
[database]
path = "ledger.db"
""")
proxy = subprocess.Popen([lab, "proxy", "--config", os.path.join(work, "proxy.toml")], cwd=work,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    conn = None
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/v1/health")
            conn.getresponse().read()
            break
        except OSError:
            time.sleep(0.1)

    def call(method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = conn.getresponse()
        data = r.read()
        if r.status >= 300:
            raise SystemExit(f"{method} {path}: {r.status} {data[:200]!r}")
        return data

    token = json.loads(call("POST", "/api/v1/auth/register", {"name": "ada", "password": "bench-password"}))["token"]

    db = sqlite3.connect(os.path.join(work, "ledger.db"), timeout=30)
    uid = db.execute("SELECT id FROM users WHERE name = 'ada'").fetchone()[0]
    rng = random.Random(1)
    states = ["completed"] * 80 + ["failed"] * 10 + ["cancelled"] * 6 + ["queued"] * 2 + ["running"] * 2
    now = int(time.time() * 1000)
    with db:
        for i in range(N):
            tid = f"t-bench{i:06d}"
            st = rng.choice(states)
            created = now - (N - i) * 60_000
            db.execute("INSERT INTO tasks(id, user_id, name, spec_json, state, state_reason, gpus, cpus, memory_bytes,"
                       " time_limit_s, created_at_ms, updated_at_ms, started_at_ms, finished_at_ms)"
                       " VALUES (?, ?, ?, '{}', ?, '', ?, 1, 1073741824, 3600, ?, ?, ?, ?)",
                       (tid, uid, f"run-{i % 97}-lr{rng.choice(['0.1', '0.01', '0.001'])}", st, rng.choice([0, 1]),
                        created, created, created + 1000, created + 30_000 if st in ("completed", "failed", "cancelled") else None))
            db.execute("INSERT INTO proxy_tasks(task_id, snapshot, command) VALUES (?, ?, ?)",
                       (tid, "0" * 32, "python3 train.py"))
            if st in ("completed", "failed", "cancelled"):
                db.execute("INSERT INTO accounting(task_id, user_id, wall_seconds, gpu_seconds, cpu_seconds, recorded_at_ms)"
                           " VALUES (?, ?, 29, 29, 29, ?)", (tid, uid, created + 30_000))
    db.close()

    def timed(path, runs=30):
        call("GET", path, token=token)  # warm
        ms = []
        for _ in range(runs):
            t = time.perf_counter()
            call("GET", path, token=token)
            ms.append((time.perf_counter() - t) * 1000)
        ms.sort()
        return statistics.median(ms), ms[int(len(ms) * 0.9) - 1]

    pages = {
        "dashboard (4 calls)": ["/api/v1/usage", "/api/v1/tasks?state=running&limit=50",
                                "/api/v1/tasks?state=pending,preparing,queued&limit=50",
                                "/api/v1/tasks?state=completed,failed,cancelled&limit=10"],
        "task list, first page of 50": ["/api/v1/tasks?limit=50"],
        "task list, name search": ["/api/v1/tasks?limit=50&name=run-42-"],
        "task list, failed only": ["/api/v1/tasks?limit=50&state=failed"],
    }
    print(f"proxy with {N} tasks of one student; each call timed 30 times (median / p90, ms)")
    for page, paths in pages.items():
        med = p90 = 0.0
        parts = []
        for p in paths:
            m, n = timed(p)
            med += m
            p90 += n
            parts.append(f"    {p:60s} {m:7.2f} / {n:7.2f}")
        print(f"  {page:32s} {med:7.2f} / {p90:7.2f}")
        if len(parts) > 1:
            print("\n".join(parts))
    sizes = {}
    for name in sorted(os.listdir(os.path.join(src, "web"))):
        sizes[name] = os.path.getsize(os.path.join(src, "web", name))
    for name in ("uPlot.iife.min.js", "uPlot.min.css"):
        sizes[name] = os.path.getsize(os.path.join(src, "third_party", "uplot", "dist", name))
    print(f"embedded assets: {sum(sizes.values()) / 1024:.1f} KiB in {len(sizes)} files "
          f"(uPlot {(sizes['uPlot.iife.min.js'] + sizes['uPlot.min.css']) / 1024:.1f} KiB)")
finally:
    proxy.terminate()
    proxy.wait()
    subprocess.run(["rm", "-rf", work])
