"""How long a thread that ends keeps the GIL while it is torn down, on this interpreter.

    python3 scripts/thread_exit_cost.py [ROUNDS]     (also runs on Python 2.7)

A spinner thread runs Python in a loop and notes every pause in its progress. A second
thread sleeps 20 ms, notes the time, and then either ends ("exit") or calls sleep again
("again"). The spinner's pause after that note is the other thread's hold of the GIL
plus the hand-off back; "again" has the same hand-off and almost no hold, so "exit"
minus "again" is what tearing a thread down costs. Rounds alternate the two kinds.
Feeds the simulator's `thread_exit_us` (src/sim/spec.rs).
"""

from __future__ import print_function

import sys
import threading
import time

clock = getattr(time, "perf_counter", time.time)


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def one_round(ends):
    """Microseconds from the second thread's last note to the spinner running again."""
    stop = [False]
    pauses = []
    mark = [0.0]

    def spinner():
        last = clock()
        while not stop[0]:
            now = clock()
            if now - last > 10e-6:
                pauses.append((last, now))
            last = now

    def ending():
        time.sleep(0.02)
        mark[0] = clock()

    def sleeping_again():
        time.sleep(0.02)
        mark[0] = clock()
        time.sleep(0.2)

    spin = threading.Thread(target=spinner)
    spin.start()
    time.sleep(0.01)
    other = threading.Thread(target=ending if ends else sleeping_again)
    other.start()
    time.sleep(0.1)
    stop[0] = True
    spin.join()
    other.join()
    for began, ended in pauses:
        if began <= mark[0] <= ended:
            return (ended - mark[0]) * 1e6
    return None


def main(args):
    rounds = int(args[0]) if args else 40
    seen = {"exit": [], "again": []}
    for _ in range(rounds):
        for kind in ("exit", "again"):
            pause = one_round(kind == "exit")
            if pause is not None:
                seen[kind].append(pause)
    for kind in ("exit", "again"):
        v = seen[kind]
        print("%-5s %3d rounds: spinner ran again after %.1f us (median; %.1f to %.1f)"
              % (kind, len(v), median(v), min(v), max(v)))
    print("teardown: %.1f us (difference of the medians), Python %s"
          % (median(seen["exit"]) - median(seen["again"]), sys.version.split()[0]))


if __name__ == "__main__":
    main(sys.argv[1:])
