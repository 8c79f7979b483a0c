"""A toy training loop that needs nothing but Python's standard library.

Fits y = 3x - 2 (plus noise) with mini-batch gradient descent, prints progress every epoch,
appends metrics as JSON lines to the file named by LAB_METRICS (when lab runs it), and
writes the learned weights and a loss history to outputs/.
"""
import argparse
import json
import os
import random
import time


def log_metric(stream, **values):
    # lab's metrics format: one JSON object per line (see docs/metrics.md).
    if stream:
        stream.write(json.dumps(values) + "\n")
        stream.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--sleep", type=float, default=0.2, help="seconds per epoch, to watch it live")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    data = [(x, 3 * x - 2 + rng.gauss(0, 0.1)) for x in (rng.uniform(-1, 1) for _ in range(512))]
    w, b = 0.0, 0.0
    metrics_path = os.environ.get("LAB_METRICS")
    metrics = open(metrics_path, "a") if metrics_path else None
    out_dir = os.environ.get("LAB_OUTPUT_DIR", "outputs")
    os.makedirs(out_dir, exist_ok=True)

    print(f"task {os.environ.get('LAB_TASK_ID', '(local)')}: {len(data)} samples, {args.epochs} epochs")
    history = []
    step = 0
    for epoch in range(1, args.epochs + 1):
        rng.shuffle(data)
        for i in range(0, len(data), 32):
            batch = data[i:i + 32]
            gw = sum(2 * (w * x + b - y) * x for x, y in batch) / len(batch)
            gb = sum(2 * (w * x + b - y) for x, y in batch) / len(batch)
            w -= args.lr * gw
            b -= args.lr * gb
            step += 1
        loss = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
        history.append(loss)
        log_metric(metrics, step=step, epoch=epoch, loss=loss)
        print(f"epoch {epoch:3d}/{args.epochs}  loss {loss:.5f}  w {w:+.3f}  b {b:+.3f}")
        time.sleep(args.sleep)

    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump({"w": w, "b": b, "final_loss": history[-1]}, f, indent=2)
    with open(os.path.join(out_dir, "loss.csv"), "w") as f:
        f.write("epoch,loss\n")
        for i, loss in enumerate(history, 1):
            f.write(f"{i},{loss}\n")
    print(f"done: w={w:.3f} b={b:.3f} (true 3, -2); results in {out_dir}/")


if __name__ == "__main__":
    main()
