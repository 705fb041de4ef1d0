#!/usr/bin/env python3
"""Claims checked (lesson 8, "Subinterpreters"): starting a subinterpreter costs far more
than starting a thread and less than spawning a process; a subinterpreter adds a few
megabytes to its process; and CPU-bound work in two subinterpreters (each run by its own
thread, each with its own GIL) runs in parallel like two processes, where two threads of
one interpreter take turns.

How: the interpreter API is the private module of the running version: `_xxsubinterpreters`
on 3.12 (`create()` makes an isolated interpreter with its own GIL unless
`isolated=False`), `_interpreters` on 3.13 (default config "isolated": `gil='own'`), and
`_interpreters` again on 3.14, where `concurrent.interpreters` wraps it. Each repetition
times, interleaved in rounds:

- thread: `threading.Thread(target=noop)`, start and join;
- subinterpreter: create, run `pass` in it, then destroy (the three timed apart);
- process: `multiprocessing` `fork`, `forkserver` and `spawn`, start and join of a no-op
  (the forkserver's own start happens once, before the rounds).

Each start cost is reported twice: wall time, and CPU time (this process, plus the
children it waited for, from `getrusage`). On a busy machine the wall time also counts
waiting for a core; the CPU time is close to what an idle machine's wall time would be.

Isolation: a fresh subinterpreter tries to import a dozen extension modules, to fork,
to start a daemon thread, and marks its `json` module; the main interpreter's stays
unmarked.

Memory: the growth of this process's resident set (VmRSS) per subinterpreter, with 8
alive at once, and the resident set of a spawned child. Work: two workers each count down
a loop, as two threads, two subinterpreters (each run from its own thread) and two forked
processes, against one worker doing both halves.

Run:  $(pyenv root)/versions/3.13.0/bin/python scripts/claims/subinterpreters.py
      [--rounds 15] [--work 3000000]
Check `uptime` first: the work timings need two otherwise idle cores; start costs grow
with the load too.
"""

import argparse
import multiprocessing as mp
import resource
import sys
import threading
import time

from _report import machine, spread

if sys.version_info >= (3, 13):
    import _interpreters as interpreters_api
    API = "_interpreters"

    def run_in(interp, code):
        interpreters_api.exec(interp, code)
elif sys.version_info >= (3, 12):
    import _xxsubinterpreters as interpreters_api
    API = "_xxsubinterpreters"

    def run_in(interp, code):
        interpreters_api.run_string(interp, code)
else:
    sys.exit("subinterpreters with their own GIL need CPython 3.12 or later")

# A function, as in count_down below: a loop on module globals would run slower.
COUNT_DOWN = "def count_down(n):\n    while n:\n        n -= 1\ncount_down({n})\n"


def noop():
    pass


def count_down(n):
    while n:
        n -= 1


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def clocks():
    """(wall, CPU of this process, CPU of its finished children), in seconds."""
    return time.perf_counter(), time.process_time(), children_cpu()


def elapsed(start):
    """(wall, CPU) since `start`: CPU counts this process and the children it reaped,
    and unlike wall time barely depends on how busy the machine is."""
    wall, cpu, children = clocks()
    return wall - start[0], (cpu - start[1]) + (children - start[2])


def time_start_join(make_worker):
    """(wall, CPU) to start a thread or process that does nothing and wait for it."""
    start = clocks()
    worker = make_worker()
    worker.start()
    worker.join()
    return elapsed(start)


def timed(call, *args):
    """(what `call(*args)` returned, its (wall, CPU))."""
    start = clocks()
    result = call(*args)
    return result, elapsed(start)


def time_subinterpreter():
    """(create, run `pass`, destroy), each (wall, CPU) in seconds."""
    interp, created = timed(interpreters_api.create)
    _, ran = timed(run_in, interp, "pass")
    _, destroyed = timed(interpreters_api.destroy, interp)
    return created, ran, destroyed


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def report_rss(queue):
    queue.put(rss_kib())


def memory_per_subinterpreter(alive=8):
    before = rss_kib()
    made = [interpreters_api.create() for _ in range(alive)]
    for interp in made:
        run_in(interp, "pass")
    grown = rss_kib() - before
    for interp in made:
        interpreters_api.destroy(interp)
    return grown / alive / 1024


def spawned_child_rss():
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    p = ctx.Process(target=report_rss, args=(queue,))
    p.start()
    kib = queue.get()
    p.join()
    return kib / 1024


def in_subinterpreter(n):
    interp = interpreters_api.create()
    run_in(interp, COUNT_DOWN.format(n=n))
    interpreters_api.destroy(interp)


# Run in a fresh isolated subinterpreter: which extension modules load, whether it may
# fork or start daemon threads, and whether its modules are its own.
PROBE = """
import os, sys, threading
found = []
for name in ("readline", "_curses", "_tkinter", "_ctypes", "_decimal", "_datetime",
             "_sqlite3", "_ssl", "zlib", "_json", "_pickle", "array"):
    try:
        __import__(name)
        found.append(f"import {name}: ok")
    except ImportError as e:
        found.append(f"import {name}: ImportError: {e}")
try:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    found.append("os.fork(): ok")
except RuntimeError as e:
    found.append(f"os.fork(): RuntimeError: {e}")
try:
    t = threading.Thread(target=lambda: None, daemon=True)
    t.start()
    t.join()
    found.append("daemon thread: ok")
except RuntimeError as e:
    found.append(f"daemon thread: RuntimeError: {e}")
import json
json.seen_in_subinterpreter = True
for line in found:
    print("  " + line)
"""


def probe():
    print("in an isolated subinterpreter:")
    sys.stdout.flush()
    interp = interpreters_api.create()
    run_in(interp, PROBE)
    interpreters_api.destroy(interp)
    import json
    shared = hasattr(json, "seen_in_subinterpreter")
    print(f"  the main interpreter's json module changed too: {shared}")


def time_workers(kind, n):
    """Wall time of two workers counting down n each (or one worker doing 2n)."""
    t0 = time.perf_counter()
    if kind == "1 thread, both halves":
        count_down(2 * n)
    elif kind == "2 threads":
        workers = [threading.Thread(target=count_down, args=(n,)) for _ in range(2)]
    elif kind == "2 subinterpreters":
        workers = [threading.Thread(target=in_subinterpreter, args=(n,)) for _ in range(2)]
    else:
        ctx = mp.get_context("fork")
        workers = [ctx.Process(target=count_down, args=(n,)) for _ in range(2)]
    if kind != "1 thread, both halves":
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    return time.perf_counter() - t0


WORK_KINDS = ["1 thread, both halves", "2 threads", "2 subinterpreters", "2 processes (fork)"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--work", type=int, default=3_000_000,
                        help="loop iterations per worker in the work comparison")
    args = parser.parse_args()
    machine(f"API {API}, {args.rounds} interleaved rounds")
    probe()
    contexts = {m: mp.get_context(m) for m in ("fork", "forkserver", "spawn")}
    # Starts the fork server itself, which the rounds then reuse.
    time_start_join(lambda: contexts["forkserver"].Process(target=noop))
    times = {k: [] for k in ("thread", "subinterpreter create", "subinterpreter run",
                             "subinterpreter create+run", "subinterpreter destroy",
                             "process fork", "process forkserver", "process spawn")}
    work = {k: [] for k in WORK_KINDS}
    for _ in range(args.rounds):
        times["thread"].append(time_start_join(lambda: threading.Thread(target=noop)))
        create, run, destroy = time_subinterpreter()
        times["subinterpreter create"].append(create)
        times["subinterpreter run"].append(run)
        times["subinterpreter create+run"].append((create[0] + run[0], create[1] + run[1]))
        times["subinterpreter destroy"].append(destroy)
        for method, ctx in contexts.items():
            process = time_start_join(lambda: ctx.Process(target=noop))
            times[f"process {method}"].append(process)
        for kind in WORK_KINDS:
            work[kind].append(time_workers(kind, args.work))
    for n, clock in enumerate(("wall", "CPU (this process and its children)")):
        print(f"start costs, {clock}, ms:")
        for name, values in times.items():
            if n == 1 and name == "process forkserver":
                # The server forks the worker: it is not our child, its CPU not counted.
                print(f"  {name:27s} not measured (the worker is the server's child)")
                continue
            print(f"  {name:27s} {spread([v[n] * 1e3 for v in values], '.3f')}")
    print("memory, MiB:")
    print(f"  {'per subinterpreter (8 alive)':27s} {memory_per_subinterpreter():.1f}")
    print(f"  {'spawned child process':27s} {spawned_child_rss():.1f}")
    print(f"CPU-bound work, two workers x {args.work:,} iterations, wall ms:")
    for kind in WORK_KINDS:
        print(f"  {kind:27s} {spread([v * 1e3 for v in work[kind]], '.0f')}")
    machine("after the runs")


if __name__ == "__main__":
    main()
