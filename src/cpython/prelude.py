# The runtime of every program `crescu measure` generates. It runs unchanged on CPython
# 2.7 and 3.x: the old GIL can only be measured on a Python 2 interpreter.
from __future__ import print_function

import json
import os
import socket
import subprocess
import sys
import threading
import time

try:
    import multiprocessing
except ImportError:  # pragma: no cover - every CPython we target has it
    multiprocessing = None

clock = getattr(time, "perf_counter", time.time)
thread_clock = getattr(time, "thread_time", None)
try:
    loop_range = xrange  # noqa: F821 - Python 2
except NameError:
    loop_range = range


def spin(n):
    """Pure-Python work: the eval loop runs, and checks for GIL requests, all along."""
    while n > 0:
        n -= 1


def hold(n):
    """C work that keeps the GIL: builtin sum runs its loop in C without executing any
    bytecode, so no GIL request is honoured until it returns."""
    sum(loop_range(n))


ZEROS = None


def hash_bytes(n):
    """C work without the GIL: hashlib releases it for inputs of 2 KiB and more."""
    import hashlib

    view = memoryview(ZEROS) if sys.version_info[0] >= 3 else buffer(ZEROS)  # noqa: F821
    hashlib.sha256(view[:n]).digest()


def make_zeros(n):
    global ZEROS
    if ZEROS is None or len(ZEROS) < n:
        ZEROS = bytearray(n)
        hash_bytes(n)  # touch the pages once, outside any timed part


class Record(object):
    """What one thread observed: the figures a program can see from outside the lock."""

    def __init__(self, name, process):
        self.name = name
        self.process = process
        self.latencies = []
        self.io_ops = 0
        self.conn = None
        self.finish = None
        self.cpu = None

    def as_dict(self, t0):
        return {
            "name": self.name,
            "process": self.process,
            "finish_ms": (self.finish - t0) * 1000.0,
            "cpu_ms": self.cpu,
            "io_ops": self.io_ops,
            "latencies_ms": self.latencies,
        }


def nap(rec, seconds):
    """time.sleep; the latency is how late the thread runs again after the deadline."""
    start = clock()
    time.sleep(seconds)
    rec.latencies.append(max(0.0, (clock() - start - seconds) * 1000.0))


def ask(rec, wait_us):
    """One blocking round trip to the echo helper, which answers after `wait_us` with the
    time it answered (the clock is the machine's monotonic one, shared by processes): the
    latency runs from that answer to this thread running Python again."""
    rec.conn.sendall(("%08d" % wait_us).encode("ascii"))
    got = b""
    while not got.endswith(b"\n"):
        more = rec.conn.recv(64)
        if not more:
            raise IOError("the echo helper went away")
        got += more
    now = clock()
    rec.io_ops += 1
    rec.latencies.append(max(0.0, (now - float(got)) * 1000.0))


def echo_server():
    """The helper process: answers each 8-digit request after that many microseconds."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    print(listener.getsockname()[1])
    sys.stdout.flush()

    def serve(conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = b""
            while len(data) < 8:
                more = conn.recv(8 - len(data))
                if not more:
                    return
                data += more
            time.sleep(int(data) / 1e6)
            conn.sendall(("%r\n" % clock()).encode("ascii"))

    while True:
        conn, _ = listener.accept()
        t = threading.Thread(target=serve, args=(conn,))
        t.daemon = True
        t.start()


def connect(port):
    conn = socket.create_connection(("127.0.0.1", port))
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def run_threads(group, port):
    """Start the group's threads in order and wait for them; their records."""
    records = []
    threads = []
    for name, body, needs_io in group["threads"]:
        rec = Record(name, group["name"])
        if needs_io:
            rec.conn = connect(port)
        records.append(rec)

    def body_of(rec, body):
        def run():
            before = thread_clock() if thread_clock else None
            body(rec)
            rec.finish = clock()
            if before is not None:
                rec.cpu = (thread_clock() - before) * 1000.0

        return run

    for rec, (_, body, _) in zip(records, group["threads"]):
        threads.append(threading.Thread(target=body_of(rec, body)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return records


def child_main(index, conn, t0, port, rates):
    """A worker process of the run: its threads' records go back through `conn`."""
    set_rates(rates)
    group = RUN["processes"][index]
    records = run_threads(group, port)
    conn.send([r.as_dict(t0) for r in records])
    conn.close()


def set_affinity(cores):
    if cores is None:
        return
    wanted = set(range(cores))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, wanted)
        return
    import ctypes  # Python 2 has no os.sched_setaffinity

    mask = ctypes.c_ulong(sum(1 << c for c in wanted))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.sched_setaffinity(0, ctypes.sizeof(mask), ctypes.byref(mask)) != 0:
        raise OSError(ctypes.get_errno(), "sched_setaffinity")


def configure(setup):
    if setup.get("switch_interval_s") is not None:
        sys.setswitchinterval(setup["switch_interval_s"])
    if setup.get("check_interval") is not None:
        sys.setcheckinterval(setup["check_interval"])
    set_rates(measure_rates())
    if setup.get("zeros_ms"):
        make_zeros(int(setup["zeros_ms"] * HASH * 1.2) + 2048)


def start_echo():
    helper = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--echo"], stdout=subprocess.PIPE
    )
    return helper, int(helper.stdout.readline())


def run_main():
    setup = RUN["setup"]
    helper, port = (None, None)
    if setup.get("io"):
        helper, port = start_echo()
    try:
        set_affinity(setup.get("cores"))
        configure(setup)
        children = []
        local = None
        t0 = clock()
        for index, group in enumerate(RUN["processes"]):
            if group["start"] is None:
                local = group
                continue
            if hasattr(multiprocessing, "get_context"):
                ctx = multiprocessing.get_context(group["start"])
            else:
                ctx = multiprocessing
            parent_end, child_end = ctx.Pipe(False)
            rates = (SPIN, HOLD, HASH)
            proc = ctx.Process(target=child_main, args=(index, child_end, t0, port, rates))
            proc.start()
            children.append((proc, parent_end))
        records = []
        if local is not None:
            records = [r.as_dict(t0) for r in run_threads(local, port)]
        for proc, end in children:
            records.extend(end.recv())
            proc.join()
        wall = (clock() - t0) * 1000.0
    finally:
        if helper is not None:
            helper.kill()
            helper.wait()
    print(json.dumps({"wall_ms": wall, "threads": records}))


SPIN = HOLD = HASH = 0.0


def set_rates(rates):
    """Work per millisecond for `spin`, `hold` and `hash_bytes`: the generated steps size
    their work with these, measured in this program just before the timed part, so a
    machine whose speed drifts over minutes still gets steps of the intended length."""
    global SPIN, HOLD, HASH
    SPIN, HOLD, HASH = rates


def measure_rates():
    """Work per millisecond, measured on a busy core: a virtual core that has just been
    idle (waiting for the echo helper to start, say) runs slower for tens of
    milliseconds, and rates measured then sized the steps up to a third short."""
    make_zeros(1 << 20)
    busy_for(0.2)
    return (
        300000 / median_of(spin, 300000, 5),
        300000 / median_of(hold, 300000, 5),
        (1 << 20) / median_of(hash_bytes, 1 << 20, 5),
    )


def busy_for(seconds):
    end = clock() + seconds
    while clock() < end:
        spin(10000)


def median_of(fn, arg, tries):
    took = []
    for _ in range(tries):
        start = clock()
        fn(arg)
        took.append(clock() - start)
    took.sort()
    return took[len(took) // 2] * 1000.0


def calibrate():
    """Facts about this interpreter, and how much of each kind of work takes 1 ms here."""
    info = {
        "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
        "implementation": getattr(sys, "implementation", None)
        and sys.implementation.name
        or "cpython",
        "gil_enabled": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True,
        "cpus": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else multiprocessing.cpu_count(),
        "start_methods": multiprocessing.get_all_start_methods()
        if hasattr(multiprocessing, "get_all_start_methods")
        else ["fork"],
        "thread_cpu_time": thread_clock is not None,
    }
    info["spin_per_ms"], info["hold_per_ms"], info["hash_bytes_per_ms"] = measure_rates()
    print(json.dumps(info))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--echo":
    echo_server()
    sys.exit(0)
