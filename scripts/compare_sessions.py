"""How far measuring sessions of the same course agree, and what that does to the
simulator's agreement with them.

    python3 scripts/compare_sessions.py ROOT [SESSION_DIR ...] [--crescu PATH]

ROOT is a course as committed (its measurement files are the latest session). Each
SESSION_DIR holds the measurement files of an earlier session, named as in the course
(`calibration/first-session/`, `calibration/second-session/`); for each, a copy of
ROOT's content gets those files put in place of its own, so that every session is
compared with the same simulator. For every simulation measured with different results
in some session it prints: its figures; how many agree with the simulation (within 20%
of the measured median, or inside the measured range) in each session (none where the
session did not measure it); how many agree
with any session's median or lie inside the range of all sessions together; and how
many of the other sessions' medians lie outside the first session's range.
"""

import os
import shutil
import sys
import tempfile

from compare_versions import compared, take_crescu


def agrees(simulated, median, low, high):
    return low <= simulated <= high or (median > 0 and abs(simulated / median - 1) <= 0.2)


def session_copy(root, session_dir, into):
    """A copy of root's content with the session's measurement files in place of its
    own, and none where the session measured nothing."""
    shutil.copytree(os.path.join(root, "content"), os.path.join(into, "content"))
    mine = {f for f in os.listdir(session_dir) if f.endswith(".measured.yaml")}
    for folder, _, files in os.walk(os.path.join(into, "content")):
        for name in files:
            if name in mine:
                shutil.copy(os.path.join(session_dir, name), os.path.join(folder, name))
            elif name.endswith(".measured.yaml"):
                os.remove(os.path.join(folder, name))
    return into


def pooled(rows):
    """For one figure over the sessions that measured it: (simulated, medians, low, high)."""
    return (
        rows[0][0],
        [r[1] for r in rows],
        min(r[2] for r in rows),
        max(r[3] for r in rows),
    )


def main(args):
    crescu = take_crescu(args)
    root, earlier = args[0], args[1:]
    with tempfile.TemporaryDirectory() as scratch:
        roots = [
            session_copy(root, s, os.path.join(scratch, str(i))) for i, s in enumerate(earlier)
        ] + [root]
        sessions = [compared(crescu, r, old_gil=True)[0] for r in roots]
    first = sessions[0]
    tally = {}
    for key, a in first.items():  # the first session measured every lesson
        rows = [s[key] for s in sessions if key in s]
        counts = tally.setdefault(key[0], [0] * (len(sessions) + 3) + [False])
        sim, medians, low, high = pooled(rows)
        counts[0] += 1
        for i, session in enumerate(sessions):
            counts[1 + i] += key in session and agrees(*session[key])
        n = len(sessions)
        counts[n + 1] += any(agrees(sim, m, low, high) for m in medians)
        counts[n + 2] += sum(not (a[2] <= m <= a[3]) for m in medians[1:])
        counts[-1] |= any(r[1:] != a[1:] for r in rows)
    names = " | ".join(f"agree, session {i + 1}" for i in range(len(sessions)))
    print(
        f"| simulation | figures | {names} | agree, any median or all ranges"
        " | later medians outside the first's range |"
    )
    print("|---|" + "---:|" * (len(sessions) + 3))
    total = [0] * (len(sessions) + 3)
    for name, counts in tally.items():
        if not counts[-1]:
            continue
        print(f"| {name} | " + " | ".join(str(c) for c in counts[:-1]) + " |")
        total = [t + c for t, c in zip(total, counts)]
    print("| **all** | " + " | ".join(f"**{t}**" for t in total) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
