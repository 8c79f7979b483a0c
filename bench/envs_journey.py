#!/usr/bin/env python3
"""Python environments end to end: submit -> running for a task whose environment is cached,
one whose environment must be built, and one that needs none, beside creating a venv and
pip-installing the same wheels by hand, in the same run.

  bench/envs_journey.py BUILD_DIR     (R=5 rounds by default)

Roles as separate processes over loopback (bench/journey.py's cluster: proxy, remote, one
worker), offline: tiny wheels made on the spot into a wheelhouse named in remote.toml. Each
round submits, with `lab submit` from a project folder as a student would:
  built  - requirements.txt naming four wheels, one of them new this round, so its key is new;
  cached - the same project again (its environment is ready on the worker);
  none   - a project importing only the standard library (no environment at all);
and times `python3 -m venv` + `pip install` of the same four wheels in a shell.
submit -> running is the task's own `pending` to `running` event times. Prints a Markdown table.
"""
import json, os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import journey as J  # noqa: E402

ROUNDS = int(os.environ.get("R", "5"))
MAKE_WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "unit", "envs", "fixtures", "make_wheel.py")


def make_wheel(house, name, version, *requires):
    subprocess.run([sys.executable, MAKE_WHEEL, house, name, version, *requires], check=True, capture_output=True)


class Student:
    def __init__(self, tmp, port):
        self.env = dict(os.environ, LAB_CONFIG_DIR=f"{tmp}/student", LAB_PROXY_URL=f"http://127.0.0.1:{port}")
        subprocess.run([J.LAB, "register", "bench", "--password-stdin"], input="bench-password\n", text=True,
                       env=self.env, check=True, capture_output=True)

    def lab(self, *args, cwd=None):
        r = subprocess.run([J.LAB, *args], cwd=cwd, env=self.env, text=True, capture_output=True)
        if r.returncode != 0: raise RuntimeError(f"lab {' '.join(args)}: {r.stderr}")
        return r.stdout

    def submit_to_running_ms(self, project):
        tid = json.loads(self.lab("submit", "--json", cwd=project))["task_id"]
        while True:
            task = json.loads(self.lab("status", tid, "--json"))
            task = task.get("task", task)
            if task["state"] in ("completed", "failed", "cancelled"): break
            time.sleep(0.05)
        if task["state"] != "completed": raise RuntimeError(f"task {tid} {task['state']}: {self.lab('logs', tid)}")
        at = {e["state"]: e["at_ms"] for e in task["events"]}
        return at["running"] - at["pending"]


def project(path, requirements, imports):
    os.makedirs(path, exist_ok=True)
    if requirements: open(f"{path}/requirements.txt", "w").write("\n".join(requirements) + "\n")
    open(f"{path}/train.py", "w").write(f"import {', '.join(imports)}\nprint('ok')\n")
    open(f"{path}/task.toml", "w").write('[resources]\nmemory = "512M"\n[run]\ncommand = "python train.py"\n')
    return path


def by_hand_ms(tmp, house, requirements):
    venv = tempfile.mkdtemp(dir=tmp, prefix="by-hand.")
    t0 = time.time()
    subprocess.run(["python3", "-m", "venv", venv], check=True, capture_output=True)
    subprocess.run([f"{venv}/bin/pip", "install", "--no-index", "--find-links", house, *requirements], check=True,
                   capture_output=True, env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    return (time.time() - t0) * 1000


def main():
    tmp = tempfile.mkdtemp(prefix="lab-envs-bench.")
    house = f"{tmp}/wheelhouse"
    make_wheel(house, "labalpha", "1.0")
    make_wheel(house, "labbeta", "1.0", "labalpha>=1.0")
    make_wheel(house, "labgamma", "1.0")
    ports, procs = J.start_cluster(tmp, f'[environments]\nwheelhouse = "{house}"', workers=1)
    rows = {"built": [], "cached": [], "none": [], "by hand": []}
    try:
        student = Student(tmp, ports["proxy"])
        plain = project(f"{tmp}/plain", [], ["os", "json"])
        for i in range(ROUNDS):
            make_wheel(house, f"labround{i}", "1.0")
            reqs = ["labalpha==1.0", "labbeta==1.0", "labgamma==1.0", f"labround{i}==1.0"]
            p = project(f"{tmp}/p{i}", reqs, ["labalpha", "labbeta", "labgamma", f"labround{i}"])
            rows["built"].append(student.submit_to_running_ms(p))
            rows["cached"].append(student.submit_to_running_ms(p))
            rows["none"].append(student.submit_to_running_ms(plain))
            rows["by hand"].append(by_hand_ms(tmp, house, reqs))
    finally:
        J.stop_cluster(tmp, procs)
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"{ROUNDS} rounds; medians (samples in ms)\n")
    print("| task | submit → running (median) | samples (ms) |\n|---|---|---|")
    for k, label in (("none", "no environment (stdlib only)"), ("cached", "environment cached"),
                     ("built", "environment built (4 wheels, new key)"), ("by hand", "by hand: venv + pip install, same 4 wheels")):
        print(f"| {label} | {med[k]:.0f} ms | {' '.join(f'{x:.0f}' for x in rows[k])} |")
    print(f"\nA cached environment adds {med['cached'] - med['none']:.0f} ms over no environment (goal: under 1000 ms).")


if __name__ == "__main__":
    main()
