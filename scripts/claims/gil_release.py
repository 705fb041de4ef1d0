#!/usr/bin/env python3
"""Claims checked (lesson 3, takeaway 3 and "Who releases it"; hashlib's threshold):
zlib, bz2, lzma and blocking I/O release the GIL whatever the size of the data;
hashlib releases it only for data of 2048 bytes or more (`>= 2048`), except that once
a hash object has seen one such update, every later update releases it too; zlib's
checksums (crc32, adler32) keep the GIL for small buffers (over 5 KiB they release it).

How: a busy thread runs pure Python beside the main thread. A call that releases the
GIL lets the busy thread take it, and getting it back costs about one switch interval
(the convoy effect). A very short call often returns before the busy thread has woken
and keeps the GIL anyway, so each call kind is timed call by call and the share of
calls that took longer than half an interval ("lost the GIL") is counted: about 0%
for calls that keep the GIL, clearly more for calls that release it. The kinds are
measured in interleaved rounds; the median and min-max share per round are printed.

A call that keeps the GIL must never lose it (that would contradict the claim); a
call that releases it only shows it when the waiting thread wakes up in time, so on
some runs short releasing calls come out "no release seen" (inconclusive).

Run:  python3 scripts/claims/gil_release.py [--rounds 5] [--calls 100]
Check `uptime` first: on a loaded machine the busy thread may not be running.
"""

import argparse
import bz2
import hashlib
import lzma
import os
import statistics
import sys
import threading
import time
import zlib

from _report import machine, spread

INTERVAL = 0.005


def hog(stop):
    while not stop.is_set():
        pass


def fresh_sha256(size):
    data = bytes(size)
    return lambda: hashlib.sha256().update(data)


def sticky_sha256(size):
    h = hashlib.sha256()
    h.update(bytes(4096))        # one large update first
    data = bytes(size)
    return lambda: h.update(data)


def os_write(size):
    fd = os.open(os.devnull, os.O_WRONLY)
    data = bytes(size)
    return lambda: os.write(fd, data)


CASES = [
    ("hashlib sha256, new object, 2047 bytes", fresh_sha256(2047), "keeps"),
    ("hashlib sha256, new object, 2048 bytes", fresh_sha256(2048), "releases"),
    ("hashlib sha256, 100 bytes after one 4096-byte update", sticky_sha256(100), "releases"),
    ("zlib.compress, 100 bytes", (lambda d=bytes(100): zlib.compress(d)), "releases"),
    ("zlib.decompress, 100 bytes", (lambda d=zlib.compress(bytes(100)): zlib.decompress(d)), "releases"),
    ("bz2.compress, 100 bytes", (lambda d=bytes(100): bz2.compress(d)), "releases"),
    ("lzma.compress, 100 bytes", (lambda d=bytes(100): lzma.compress(d)), "releases"),
    ("os.write to /dev/null, 100 bytes", os_write(100), "releases"),
    ("zlib.crc32, 5120 bytes", (lambda d=bytes(5120): zlib.crc32(d)), "keeps"),
    ("zlib.crc32, 5121 bytes", (lambda d=bytes(5121): zlib.crc32(d)), "releases"),
    ("zlib.adler32, 100 bytes", (lambda d=bytes(100): zlib.adler32(d)), "keeps"),
    ("pure Python (control)", (lambda: sum(range(50))), "keeps"),
]


def slow_share(fn, calls):
    """Share of `calls` timed one by one that lost the GIL (took > interval / 2)."""
    slow = 0
    for _ in range(calls):
        t = time.perf_counter()
        fn()
        if time.perf_counter() - t > INTERVAL / 2:
            slow += 1
    return slow / calls


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    machine(f"switch interval {INTERVAL * 1000:.0f} ms, hashlib.sha256 is "
            f"{type(hashlib.sha256()).__module__}.HASH, "
            f"{args.rounds} interleaved rounds x {args.calls} calls")
    sys.setswitchinterval(INTERVAL)
    stop = threading.Event()
    busy = threading.Thread(target=hog, args=(stop,))
    busy.start()
    shares = {name: [] for name, _, _ in CASES}
    try:
        for _ in range(args.rounds):          # interleaved rounds
            for name, fn, _ in CASES:
                shares[name].append(100 * slow_share(fn, args.calls))
    finally:
        stop.set()
        busy.join()
    wrong, seen, expected_releases = 0, 0, 0
    print(f"{'call':55s} % calls that lost the GIL            verdict (expected)")
    for name, _, expected in CASES:
        s = shares[name]
        verdict = "released" if statistics.median(s) >= 2 else "no release seen"
        if expected == "releases":
            expected_releases += 1
            seen += verdict == "released"
        else:
            wrong += verdict == "released"
        print(f"{name:55s} {spread(s, '.0f'):34s} {verdict} ({expected})")
    print(f"calls expected to keep the GIL that released it: {wrong}; calls expected to "
          f"release it that were seen releasing: {seen} of {expected_releases}")
    if seen < expected_releases:
        print("(a release only shows when the waiting thread wakes before the call "
              "returns; for calls of a few microseconds that depends on this machine's "
              "wake-up latency at the moment, so 'no release seen' is inconclusive there "
              "and CPython's source is the evidence)")

if __name__ == "__main__":
    main()
