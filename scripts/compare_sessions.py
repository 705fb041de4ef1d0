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
many of the other sessions' medians lie outside the first session's range. Then how many
of the figures the charts draw agree that way, and the figures that agree with no
session.
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
        drawn = set()
        sessions = [compared(crescu, r, old_gil=True, drawn=drawn)[0] for r in roots]
    first = sessions[0]
    n = len(sessions)
    # Per simulation: figures, then per session [agree, measured], pooled agreement,
    # later medians outside the first's range, and whether any session differs.
    tally = {}
    apart = []
    drawn_pooled = [0, 0]
    for key, a in first.items():  # the first session measured every lesson
        rows = [s[key] for s in sessions if key in s]
        t = tally.setdefault(key[0], {"figures": 0, "agree": [0] * n, "measured": [0] * n,
                                      "pooled": 0, "outside": 0, "differs": False})
        sim, medians, low, high = pooled(rows)
        t["figures"] += 1
        for i, session in enumerate(sessions):
            if key in session:
                t["measured"][i] += 1
                t["agree"][i] += agrees(*session[key])
        together = any(agrees(sim, m, low, high) for m in medians)
        t["pooled"] += together
        if key in drawn:
            drawn_pooled[0] += 1
            drawn_pooled[1] += together
        if not together:
            apart.append((key, sim, medians, low, high))
        t["outside"] += sum(not (a[2] <= m <= a[3]) for m in medians[1:])
        t["differs"] |= any(r[1:] != a[1:] for r in rows)
    names = " | ".join(f"agree, session {i + 1}" for i in range(n))
    print(
        f"| simulation | figures | {names} | agree, any median or all ranges"
        " | later medians outside the first's range |"
    )
    print("|---|" + "---:|" * (n + 3))
    total = {"figures": 0, "agree": [0] * n, "measured": [0] * n, "pooled": 0, "outside": 0}
    for name, t in tally.items():
        if not t["differs"]:
            continue
        cells = [str(a) if m else "–" for a, m in zip(t["agree"], t["measured"])]
        print(f"| {name} | {t['figures']} | " + " | ".join(cells)
              + f" | {t['pooled']} | {t['outside']} |")
        for k in ("figures", "pooled", "outside"):
            total[k] += t[k]
        for k in ("agree", "measured"):
            total[k] = [x + y for x, y in zip(total[k], t[k])]
    cells = [f"**{a} of {m}**" for a, m in zip(total["agree"], total["measured"])]
    print(f"| **all** | **{total['figures']}** | " + " | ".join(cells)
          + f" | **{total['pooled']}** | **{total['outside']}** |")
    print(f"\nOf the {drawn_pooled[0]} figures the charts draw, {drawn_pooled[1]} agree with"
          " some session's median or lie inside all sessions' range.")
    if apart:
        print("\nFigures no session agrees with (simulated; each session's median; all"
              " sessions' range):")
        for key, sim, medians, low, high in apart:
            shown = ", ".join(f"{m:.3f}" for m in medians)
            print(f"- {' / '.join(map(str, key))}: {sim:.3f}; {shown}; {low:.3f} to {high:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
