"""When threads started in a loop really begin, and what the echo helper adds to a reply.

    python3 scripts/thread_start_order.py [RUNS]

Uses the runtime of `crescu measure` (src/cpython/prelude.py: its echo helper and its
rate probe), so what it sees is what the measured charts see. Three experiments, their
runs interleaved, each printed as median (min-max) over RUNS runs, in microseconds:

- io: lesson 2's four threads with one 50 ms round trip each (0.2 ms of Python, then
  the request). Per thread: when its body began and when it sent (from just before the
  first `start()`), when its reply was stamped by the helper and when the thread ran
  again (from the first thread's reply), how late the helper answered (beyond the 50 ms
  asked for) and the latency a chart reports (reply stamp to running again).
- sleep: four threads sleeping 20 ms five times; when each body began.
- cpu: four threads of 50 ms of pure Python at a 5 ms switch interval; when each body
  began (the starting thread needs the GIL back from threads that never block).

The simulator starts a process's threads a fixed `thread_start_us` apart and answers a
request exactly `wait_ms` after it was sent; this shows how far CPython differs.
"""

from __future__ import print_function

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "cpython"))
import prelude  # noqa: E402
from prelude import clock  # noqa: E402

NAMES = ["T1", "T2", "T3", "T4"]
WAIT_US = 50000


def io_run(port):
    conns = dict((name, prelude.connect(port)) for name in NAMES)
    seen = {}

    def body(name):
        r = {"start": clock()}
        prelude.spin(max(1, int(0.2 * prelude.SPIN)))
        conn = conns[name]
        r["send"] = clock()
        conn.sendall(("%08d" % WAIT_US).encode("ascii"))
        got = b""
        while not got.endswith(b"\n"):
            got += conn.recv(64)
        r["wake"] = clock()
        r["reply"] = float(got)
        seen[name] = r

    t0 = started(body)
    for c in conns.values():
        c.close()
    first = seen["T1"]["reply"]
    return dict(
        (name, {
            "body": us(r["start"] - t0),
            "send": us(r["send"] - t0),
            "reply": us(r["reply"] - first),
            "running": us(r["wake"] - first),
            "helper late": us(r["reply"] - r["send"]) - WAIT_US,
            "latency": us(r["wake"] - r["reply"]),
        })
        for name, r in seen.items()
    )


def sleep_run(_):
    began = {}

    def body(name):
        began[name] = clock()
        for _ in range(5):
            time.sleep(0.02)

    t0 = started(body)
    return dict((name, {"body": us(at - t0)}) for name, at in began.items())


def cpu_run(_):
    began = {}

    def body(name):
        began[name] = clock()
        prelude.spin(int(50 * prelude.SPIN))

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        t0 = started(body)
    finally:
        sys.setswitchinterval(before)
    return dict((name, {"body": us(at - t0)}) for name, at in began.items())


def started(body):
    """Starts the four threads one after another and joins them, as the measuring
    program does; the time just before the first start."""
    threads = [threading.Thread(target=body, args=(name,)) for name in NAMES]
    t0 = clock()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return t0


def us(seconds):
    return seconds * 1e6


def summary(values):
    ordered = sorted(values)
    return "%7.0f (%.0f to %.0f)" % (ordered[len(ordered) // 2], ordered[0], ordered[-1])


def main(args):
    runs = int(args[0]) if args else 21
    with open("/proc/loadavg") as f:
        print("load before:", f.read().split()[0])
    helper, port = prelude.start_echo()
    try:
        prelude.set_affinity(2)
        prelude.configure({})
        results = {"io": [], "sleep": [], "cpu": []}
        for _ in range(runs):
            for kind, run in (("io", io_run), ("sleep", sleep_run), ("cpu", cpu_run)):
                results[kind].append(run(port))
                time.sleep(0.05)
    finally:
        helper.kill()
        helper.wait()
    with open("/proc/loadavg") as f:
        print("load after:", f.read().split()[0])
    print("Python %s, %d runs; us, median (min to max)" % (sys.version.split()[0], runs))
    for kind, rows in sorted(results.items()):
        for key in rows[0]["T1"]:
            cells = [summary([row[name][key] for row in rows]) for name in NAMES]
            print("%-5s %-11s %s" % (kind, key, "  ".join("%s %s" % p for p in zip(NAMES, cells))))


if __name__ == "__main__":
    main(sys.argv[1:])
