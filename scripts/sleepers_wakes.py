"""Which of their wakes four threads sleeping together pay for.

    python3 scripts/sleepers_wakes.py [RUNS]

Four threads each sleep 20 ms five times, as the calibration course's `sleep-overlap`
does, and note how late each wake was. Over RUNS runs it prints, per thread and per
wake, the median lateness, and how often each wake was the thread's slowest: the last
wake is paid for by the teardown of threads that already ended.
"""

from __future__ import print_function

import sys
import threading
import time

clock = getattr(time, "perf_counter", time.time)
SLEEP = 0.02
WAKES = 5
NAMES = ["T1", "T2", "T3", "T4"]


def one_run():
    late = {}

    def sleeper(name):
        mine = []
        for _ in range(WAKES):
            start = clock()
            time.sleep(SLEEP)
            mine.append((clock() - start - SLEEP) * 1000.0)
        late[name] = mine

    threads = [threading.Thread(target=sleeper, args=(n,)) for n in NAMES]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return late


def main(args):
    runs = [one_run() for _ in range(int(args[0]) if args else 21)]
    print("per wake: median lateness in ms; times it was the thread's slowest")
    for name in NAMES:
        cells = []
        for i in range(WAKES):
            values = sorted(r[name][i] for r in runs)
            slowest = sum(1 for r in runs if max(r[name]) == r[name][i])
            cells.append("%.3f;%2d" % (values[len(values) // 2], slowest))
        print(name, "  ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1:])
