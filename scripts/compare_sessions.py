"""How far two measuring sessions of the same course agree, and what that does to the
simulator's agreement with them.

    python3 scripts/compare_sessions.py FIRST SECOND [--crescu PATH]

FIRST and SECOND are copies of one course (for example `calibration` as committed and
a copy measured again on another day). For every simulation measured in both with
different results it prints: its figures; how many agree with the simulation (within
20% of the measured median, or inside the measured range) in each session and when
either session's median or the range of both together is allowed; and how many of the
second session's medians lie outside the first session's range.
"""

import sys

from compare_versions import compared, take_crescu


def agrees(simulated, median, low, high):
    return low <= simulated <= high or (median > 0 and abs(simulated / median - 1) <= 0.2)


def main(args):
    crescu = take_crescu(args)
    first, second = (compared(crescu, root, old_gil=True)[0] for root in args)
    tally = {}
    for key, a in first.items():
        b = second.get(key)
        if b is None:
            continue
        counts = tally.setdefault(key[0], [0, 0, 0, 0, 0, False])
        low, high = min(a[2], b[2]), max(a[3], b[3])
        counts[0] += 1
        counts[1] += agrees(*a)
        counts[2] += agrees(*b)
        counts[3] += agrees(a[0], a[1], low, high) or agrees(a[0], b[1], low, high)
        counts[4] += not (a[2] <= b[1] <= a[3])
        counts[5] |= a[1:] != b[1:]
    print(
        "| simulation | figures | agree, first | agree, second | agree, either median"
        " or both ranges | second's median outside first's range |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    total = [0] * 5
    for name, counts in tally.items():
        if not counts[5]:
            continue
        print(f"| {name} | " + " | ".join(str(c) for c in counts[:5]) + " |")
        total = [t + c for t, c in zip(total, counts)]
    print("| **all** | " + " | ".join(f"**{t}**" for t in total) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
