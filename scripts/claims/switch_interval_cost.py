#!/usr/bin/env python3
"""Claim checked (lesson 4, chart `switch-interval-cost` and the tip above it):
how much a short switch interval slows two CPU-bound threads on this machine.

How: the same countdown work (N iterations) runs once in one thread, then split over
two threads at switch intervals of 5, 1, 0.1 and 0.001 ms. Set-ups are interleaved
over several rounds; each time is divided by the one-thread time of the same round,
and the median and min-max of that ratio are printed.

On a shared virtual machine the one-thread time itself can vary threefold from run
to run; a cost of a few percent then disappears in the noise, so compare the medians
of several runs.

Run:  python3 scripts/claims/switch_interval_cost.py [--rounds 5] [--n 10000000]
Check `uptime` first; the figures need two otherwise idle cores.
"""

import argparse
import sys
import threading
import time

from _report import machine, spread


def countdown(n):
    while n > 0:
        n -= 1


def one_thread(n):
    t = time.perf_counter()
    countdown(n)
    return time.perf_counter() - t


def two_threads(n, interval):
    old = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    try:
        workers = [threading.Thread(target=countdown, args=(n // 2,)) for _ in range(2)]
        t = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return time.perf_counter() - t
    finally:
        sys.setswitchinterval(old)


INTERVALS_MS = [5, 1, 0.1, 0.001]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=10_000_000)
    args = parser.parse_args()
    machine(f"{args.n:,} iterations, {args.rounds} interleaved rounds")
    ratios = {ms: [] for ms in INTERVALS_MS}
    base = []
    for _ in range(args.rounds):
        t1 = one_thread(args.n)
        base.append(t1)
        for ms in INTERVALS_MS:
            ratios[ms].append(two_threads(args.n, ms / 1000) / t1)
    print(f"  1 thread: seconds {spread(base, '.3f')}")
    for ms in INTERVALS_MS:
        print(f"  2 threads, {ms:>5} ms interval, time / 1 thread: {spread(ratios[ms], '.2f')}")


if __name__ == "__main__":
    main()
