#!/usr/bin/env python3
"""Claim checked (lesson 1, "Sharing safely", quiz `plus-equals-atomic`, takeaway 3):
an unlocked `count += 1` is not atomic, but on GIL builds since 3.10 a plain integer
counter in a simple loop happens to come out exact, because the interpreter only
switches threads at loop back-edges and calls; a read-modify-write that spans a
Python-level call (here a helper function, or a class with a Python `__add__`)
loses updates, and a lock fixes it.

Run:  python3 scripts/claims/counter_race.py [--threads 4] [--n 1000000]
Prints the final count of each variant next to the expected one. The exact plain
result is an implementation detail of 3.10+ GIL builds; 3.9 and older, and
free-threaded builds, lose updates there too (not runnable on this machine).
"""

import argparse
import sys
import sysconfig
import threading


class Counter:
    """An integer whose addition runs as Python code (a call inside `+=`)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __add__(self, other):
        return Counter(self.value + other)


count = 0
obj = Counter(0)
lock = threading.Lock()
N = 0


def plain():
    global count
    for _ in range(N):
        count += 1


def python_add():
    global obj
    for _ in range(N):
        obj += 1  # Counter.__add__ runs between the load and the store


def add_one(x):
    return x + 1


def via_call():
    global count
    for _ in range(N):
        count = add_one(count)  # read, call, write


def locked():
    global obj
    for _ in range(N):
        with lock:
            obj += 1


def run(worker, threads):
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def main():
    global count, obj, N
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    N, threads = args.n, args.threads
    print(f"CPython {sys.version.split()[0]}, free-threaded build: "
          f"{bool(sysconfig.get_config_var('Py_GIL_DISABLED'))}, "
          f"{threads} threads x {N:,} increments, expected {threads * N:,}")
    for name, worker, uses_obj in [
            ("plain count += 1", plain, False),
            ("count += 1 with a Python __add__", python_add, True),
            ("count = add_one(count)", via_call, False),
            ("Python __add__ under a threading.Lock", locked, True)]:
        count, obj = 0, Counter(0)
        run(worker, threads)
        got = obj.value if uses_obj else count
        print(f"  {name:40s} {got:>12,}  lost {threads * N - got:,}")


if __name__ == "__main__":
    main()
