#!/usr/bin/env python3
"""Claim checked (lesson 5, "Taking control", quiz `gc-freeze-name`): `gc.freeze()`
keeps the cyclic collector off the frozen objects, but it does not stop forked
workers from writing to the pages those objects live on: merely reading the
objects changes their reference counts, and the kernel copies every page touched.

Run:  python3 scripts/claims/gc_freeze_cow.py   (Linux: reads /proc/self/smaps_rollup)
The parent builds many small container objects, then forks children that
  (a) run a full gc.collect() without gc.freeze(),
  (b) run a full gc.collect() after gc.freeze() in the parent,
  (c) iterate over the objects after gc.freeze() (reference-count changes only),
and each child reports how many kB of inherited memory it copied (Private_Dirty
growth). Expected: (a) large, (b) small, (c) large again.
"""

import gc
import os
import sys

N = 300_000


def private_dirty_kb():
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1])
    raise RuntimeError("no Private_Dirty line")


def child(objects, action):
    before = private_dirty_kb()
    if action == "collect":
        gc.collect()
    else:
        for o in objects:   # each step increments and decrements o's count
            pass
    os.write(1, f"    copied {private_dirty_kb() - before:>8,} kB\n".encode())
    os._exit(0)


def fork_and_run(objects, action, label):
    print(f"  {label}", flush=True)
    pid = os.fork()
    if pid == 0:
        child(objects, action)
    os.waitpid(pid, 0)


def main():
    print(f"CPython {sys.version.split()[0]}, {N:,} small lists")
    gc.disable()                       # recipe: no collections in the parent
    objects = [[i] for i in range(N)]  # container objects tracked by the gc
    fork_and_run(objects, "collect", "(a) child runs gc.collect(), no freeze")
    gc.freeze()                        # recipe: freeze right before forking
    print(f"  gc.get_freeze_count() = {gc.get_freeze_count():,}")
    fork_and_run(objects, "collect", "(b) child runs gc.collect(), after gc.freeze()")
    fork_and_run(objects, "touch", "(c) child only reads the objects, after gc.freeze()")


if __name__ == "__main__":
    main()
