#!/usr/bin/env python3
"""Claim checked (lesson 2, "Convoying"): an echo server thread answers many
thousands of requests per second alone, only about a hundred beside one CPU-bound
thread in the same process (each request must win the GIL back, which takes about
one 5 ms switch interval), and is fast again when the CPU work runs in another process.

How: the server is a thread of this process answering one TCP connection on
loopback; a client in a forked child process sends 64-byte requests one at a time
for a fixed time and counts the answers. Three set-ups (alone / beside a CPU-bound
thread / beside a CPU-bound process) are measured with two clients: one that sends
its next request at once, and one that first waits 1 ms, as a network round trip
would. Set-ups are interleaved over rounds; median and min-max requests/s are printed.

Expect the convoy every time with the 1 ms client. With the instant client the
server's read can return before the CPU-bound thread has even woken up to take the
GIL, so whether it escapes the convoy depends on this machine's wake-up latency at
the moment: some runs show about a hundred requests/s, others thousands.

Run:  python3 scripts/claims/echo_convoy.py [--rounds 3] [--seconds 1.0]
Check `uptime` first: the figures need two otherwise idle cores.
"""

import argparse
import multiprocessing as mp
import socket
import sys
import threading
import time

from _report import machine, spread


def spin(stop):
    while not stop.is_set():
        pass


def spin_process(stop):
    while not stop.is_set():
        pass


def serve(listener):
    conn, _ = listener.accept()
    with conn:
        while True:
            data = conn.recv(64)
            if not data:
                return
            conn.sendall(data)


def client(port, seconds, delay, out):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg, n = b"x" * 64, 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        if delay:
            time.sleep(delay)   # stands in for a network round trip
        s.sendall(msg)
        got = 0
        while got < len(msg):
            got += len(s.recv(64))
        n += 1
    s.close()
    out.put(n / seconds)


def one_run(kind, seconds, delay):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    ctx = mp.get_context("fork")
    stop_t, stop_p = threading.Event(), ctx.Event()
    helpers = []
    if kind == "beside 1 CPU-bound thread":
        helpers.append(threading.Thread(target=spin, args=(stop_t,)))
    elif kind == "CPU-bound work in another process":
        helpers.append(ctx.Process(target=spin_process, args=(stop_p,)))
    for h in helpers:
        h.start()
    server = threading.Thread(target=serve, args=(listener,))
    server.start()
    out = ctx.Queue()
    c = ctx.Process(target=client, args=(port, seconds, delay, out))
    c.start()
    rate = out.get()
    c.join()
    server.join()
    stop_t.set()
    stop_p.set()
    for h in helpers:
        h.join()
    listener.close()
    return rate


KINDS = ["alone", "beside 1 CPU-bound thread", "CPU-bound work in another process"]
DELAYS = [0, 0.001]   # seconds the client waits before each request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    machine(f"switch interval {sys.getswitchinterval() * 1000:.0f} ms, "
            f"{args.rounds} interleaved rounds of {args.seconds:.1f} s")
    setups = [(k, d) for d in DELAYS for k in KINDS]
    rates = {s: [] for s in setups}
    for _ in range(args.rounds):
        for k, d in setups:
            rates[(k, d)].append(one_run(k, args.seconds, d))
    for k, d in setups:
        client = f"client waits {d * 1000:g} ms" if d else "client at once"
        print(f"  {client:18s} {k:35s} requests/s: {spread(rates[(k, d)], ',.0f')}")


if __name__ == "__main__":
    main()
