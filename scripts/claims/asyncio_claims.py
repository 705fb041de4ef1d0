#!/usr/bin/env python3
"""Claims checked (lesson 6):
1. An event loop is not always alone with the GIL: `loop.getaddrinfo` (used by
   `asyncio.open_connection` and `loop.create_connection` for host names) runs
   `socket.getaddrinfo` in the loop's default thread pool, so worker threads appear.
2. Leaving `with ProcessPoolExecutor()` inside a coroutine calls `shutdown(wait=True)`
   on the loop's thread and blocks the loop until the workers finish; awaiting the
   shutdown in a thread (`await asyncio.to_thread(pool.shutdown)`) keeps it running.

How (2): a heartbeat task wakes every 10 ms and records the longest gap between
wake-ups while a coroutine leaves the pool with one task still running (0.3 s).
Both variants run in interleaved rounds; the median and min-max gap are printed.

Run:  python3 scripts/claims/asyncio_claims.py [--rounds 3]
"""

import argparse
import asyncio
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from _report import machine, spread


async def resolver_threads():
    before = {t.name for t in threading.enumerate()}
    loop = asyncio.get_running_loop()
    await loop.getaddrinfo("localhost", 80)
    return sorted({t.name for t in threading.enumerate()} - before)


async def heartbeat(gaps, stop):
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


async def leave_pool(variant):
    gaps, stop = [], asyncio.Event()
    beat = asyncio.create_task(heartbeat(gaps, stop))
    await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    if variant == "with-block":
        with ProcessPoolExecutor(max_workers=1) as pool:
            await loop.run_in_executor(pool, time.sleep, 0.01)
            pool.submit(time.sleep, 0.3)      # still running when the block ends
    else:
        pool = ProcessPoolExecutor(max_workers=1)
        try:
            await loop.run_in_executor(pool, time.sleep, 0.01)
            pool.submit(time.sleep, 0.3)
        finally:
            await asyncio.to_thread(pool.shutdown)
    await asyncio.sleep(0.05)
    stop.set()
    await beat
    return max(gaps) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    machine()
    print("1. threads started by loop.getaddrinfo:", asyncio.run(resolver_threads()))
    gaps = {"with-block": [], "to_thread(pool.shutdown)": []}
    for _ in range(args.rounds):
        for variant in gaps:
            gaps[variant].append(asyncio.run(leave_pool(variant)))
    print("2. longest stall of a 10 ms heartbeat while leaving the pool:")
    for variant, g in gaps.items():
        print(f"   {variant:26s} ms: {spread(g, '.0f')}, {args.rounds} interleaved rounds")


if __name__ == "__main__":
    main()
