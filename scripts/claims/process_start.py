#!/usr/bin/env python3
"""Claims checked (the simulator's process start-up, lessons 1 and 8): what starting one
and two `multiprocessing` children costs with each start method, as a program that
starts them fresh sees it (the simulator's `sim-6` start-up defaults come from here).

How: every trial is a new interpreter running this file with `--trial METHOD COUNT`, so
each pays what a fresh program pays: `forkserver` boots its server, and `spawn` and
`forkserver` start the resource tracker, once per program. The trial starts COUNT
children that do nothing but report, and records for each child

- start: wall time from just before the first `Process.start()` to the child's first
  line of its target, and the child's own CPU time by then (`time.process_time()`: a
  spawned child's whole boot; a forked one's time since the fork);
- exit: wall time from the last child's report to the end of the last `join()` (the
  children finalising and exiting).

Trials are interleaved in rounds over the methods and counts; each figure is reported as
median (min-max) over the rounds.

Run:  python3 scripts/claims/process_start.py [--rounds 9]
Check `uptime` first: on a busy machine the wall times also count waiting for a core.
"""

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import machine, spread  # noqa: E402

METHODS = ("fork", "forkserver", "spawn")
COUNTS = (1, 2)
clock = time.perf_counter


def report_start(queue, t0):
    queue.put((clock() - t0, time.process_time()))


def trial(method, count):
    """One fresh program: start `count` children, print what they saw as JSON."""
    ctx = mp.get_context(method)
    queue = ctx.Queue()
    t0 = clock()
    children = [ctx.Process(target=report_start, args=(queue, t0)) for _ in range(count)]
    for child in children:
        child.start()
    seen = sorted(queue.get() for _ in children)
    for child in children:
        child.join()
    end = clock() - t0
    print(json.dumps({
        "start_ms": [wall * 1000 for wall, _ in seen],
        "cpu_ms": [cpu * 1000 for _, cpu in seen],
        "exit_ms": (end - seen[-1][0]) * 1000,
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--trial", nargs=2, metavar=("METHOD", "COUNT"))
    args = parser.parse_args()
    if args.trial:
        trial(args.trial[0], int(args.trial[1]))
        return
    machine(f"{args.rounds} rounds")
    results = {(m, n): [] for m in METHODS for n in COUNTS}
    for _ in range(args.rounds):
        for key in results:
            out = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--trial", key[0], str(key[1])],
                check=True, capture_output=True, text=True,
            ).stdout
            results[key].append(json.loads(out))
    print("| method | children | first child starts, ms | last child starts, ms "
          "| child's CPU by its start, ms | exit after the last report, ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for (method, count), trials in results.items():
        first = [t["start_ms"][0] for t in trials]
        last = [t["start_ms"][-1] for t in trials]
        cpu = [c for t in trials for c in t["cpu_ms"]]
        gone = [t["exit_ms"] for t in trials]
        print(f"| {method} | {count} | {spread(first, '.0f')} | {spread(last, '.0f')} "
              f"| {spread(cpu, '.0f')} | {spread(gone, '.0f')} |")


if __name__ == "__main__":
    main()
