#!/usr/bin/env python3
"""Compare the GIL simulator with real CPython on this machine.

Runs a real Python program for every run of scripts/calibrate.yaml, measures its wall
time, and prints the simulated and measured ratios to each simulation's first run side
by side. Simulated figures come from the crescu CLI:

    cargo run --release -q -- sim scripts/calibrate.yaml --format json

Usage: scripts/calibrate.py [--repeat N] [--sim-json FILE]
Measurements are noisy (take the best of N); run on an otherwise idle machine.
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SPEC = os.path.join(HERE, "calibrate.yaml")


def count(n):
    while n > 0:
        n -= 1


def iterations_per_ms():
    """How many `count` iterations take one millisecond here (best of 5)."""
    n = 2_000_000
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        count(n)
        best = min(best, time.perf_counter() - t)
    return n / (best * 1000.0)


def best_ms(fn, tries=5):
    """Fastest of a few timings of `fn`, in milliseconds (other load only slows it)."""
    best = float("inf")
    for _ in range(tries):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000.0


def in_threads(targets):
    """Run each (function, args) in its own thread; wall time in seconds."""
    threads = [threading.Thread(target=f, args=a) for f, a in targets]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t


def in_processes(targets, method="fork"):
    ctx = multiprocessing.get_context(method)
    procs = [ctx.Process(target=f, args=a) for f, a in targets]
    t = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return time.perf_counter() - t


def sleeps(times, seconds, record=None):
    for _ in range(times):
        start = time.perf_counter()
        time.sleep(seconds)
        if record is not None:
            record.append(time.perf_counter() - start)


def sha_large(chunks, data):
    for _ in range(chunks):
        hashlib.sha256(data).digest()


def sha_small(pieces, data):
    h = hashlib.sha256()
    piece = memoryview(data)[:1024]
    for _ in range(pieces):
        h.update(piece)  # under 2048 bytes: hashlib keeps the GIL


def with_interval(seconds, fn):
    old = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        return fn()
    finally:
        sys.setswitchinterval(old)


def programs():
    """Real programs per (simulation id, run label): functions returning wall seconds."""
    per_ms = iterations_per_ms()
    n = lambda ms: int(ms * per_ms)  # noqa: E731
    # A 25 ms large-buffer hash and a 0.25 ms batch of 1 KiB updates, as in the YAML.
    probe = os.urandom(8 << 20)
    bytes_per_ms = len(probe) / best_ms(lambda: hashlib.sha256(probe).digest())
    big = os.urandom(int(bytes_per_ms * 25))
    pieces_per_ms = 20_000 / best_ms(lambda: sha_small(20_000, big))
    small = int(pieces_per_ms * 0.25)
    sleeper_alone, sleeper_busy = [], []
    return per_ms, {
        ("cpu-threads", "1 thread"): lambda: in_threads([(count, (n(400),))]),
        ("cpu-threads", "2 threads"): lambda: in_threads([(count, (n(200),))] * 2),
        ("cpu-threads", "4 threads"): lambda: in_threads([(count, (n(100),))] * 4),
        ("cpu-threads", "2 threads, 0.1 ms interval"): lambda: with_interval(
            0.0001, lambda: in_threads([(count, (n(200),))] * 2)
        ),
        ("cpu-processes", "sequential"): lambda: in_threads([(count, (n(400),))]),
        ("cpu-processes", "2 processes (fork)"): lambda: in_processes(
            [(count, (n(200),))] * 2
        ),
        ("sleep-overlap", "1 thread"): lambda: in_threads([(sleeps, (5, 0.02))]),
        ("sleep-overlap", "4 threads"): lambda: in_threads([(sleeps, (5, 0.02))] * 4),
        ("sleep-beside-cpu", "alone"): lambda: in_threads(
            [(sleeps, (20, 0.01, sleeper_alone))]
        ),
        ("sleep-beside-cpu", "beside a CPU thread"): lambda: in_threads(
            [(sleeps, (20, 0.01, sleeper_busy)), (count, (n(400),))]
        ),
        ("hashlib", "large, 1 thread"): lambda: in_threads([(sha_large, (8, big))]),
        ("hashlib", "large, 2 threads"): lambda: in_threads([(sha_large, (4, big))] * 2),
        ("hashlib", "small pieces, 1 thread"): lambda: in_threads(
            [(sha_small, (800 * small, big))]
        ),
        ("hashlib", "small pieces, 2 threads"): lambda: in_threads(
            [(sha_small, (400 * small, big))] * 2
        ),
    }, (sleeper_alone, sleeper_busy)


def simulated(sim_json):
    if sim_json:
        with open(sim_json) as f:
            return json.load(f)
    cmd = ["cargo", "run", "--release", "-q", "--", "sim", SPEC, "--format", "json"]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="measure each run N times, keep the best")
    ap.add_argument("--sim-json", help="read simulated results from this file instead of cargo")
    args = ap.parse_args()

    sims = simulated(args.sim_json)
    per_ms, progs, (sleeper_alone, sleeper_busy) = programs()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"count loop {1e6 / per_ms:.1f} ns/iteration, load {os.getloadavg()[0]:.2f}")
    print(f"{'simulation / run':<48} {'sim ms':>9} {'real ms':>9} {'sim x':>7} {'real x':>7}")
    for s in sims["simulations"]:
        base_sim = base_real = None
        for run in s["runs"]:
            prog = progs.get((s["id"], run["label"]))
            if prog is None:
                print(f"{s['id']} / {run['label']}: no real program", file=sys.stderr)
                continue
            sleeper_alone.clear()
            sleeper_busy.clear()
            real = min(prog() for _ in range(args.repeat)) * 1000.0
            sim = run["wall_ms"]
            if base_sim is None:
                base_sim, base_real = sim, real
            print(f"{s['id'] + ' / ' + run['label']:<48} {sim:>9.1f} {real:>9.1f} "
                  f"{sim / base_sim:>7.2f} {real / base_real:>7.2f}")
            if s["id"] == "sleep-beside-cpu":
                got = sleeper_busy or sleeper_alone
                # Each loop iteration: the sleep, its wake-up and the GIL re-acquire.
                lat = next(t for t in run["threads"] if t["name"] == "sleeper")["io_latency_ms"]
                print(f"{'    per 10 ms sleep (sim: 10 + slack + p50)':<48} "
                      f"{10.05 + lat['p50']:>9.2f} {sorted(got)[len(got) // 2] * 1000:>9.2f}")


if __name__ == "__main__":
    main()
