"""Sets measured medians of several copies of the calibration course side by side.

    python3 scripts/compare_versions.py ROOT... [--crescu PATH] [--all]

Each ROOT is a course measured on one Python (`scripts/measure_versions.sh` makes them;
`calibration` is the committed 3.11 one). Prints a Markdown table of every new-GIL
figure: each root's median and range, and the simulation. A figure is marked where two
versions' medians lie outside each other's ranges and differ by more than 30%; without
`--all` only the GIL's own figures (latencies) and the marked rows are printed.
"""

import re
import subprocess
import sys

ROW = re.compile(r"([0-9.]+) \(([0-9.]+) to ([0-9.]+)\)")


def compared(crescu, root, old_gil=False, drawn=None):
    """(simulation, run, figure) -> (simulated, median, low, high), and the version;
    old-GIL figures only with `old_gil` (they are measured on 2.7 whatever is asked).
    The keys of the figures the charts draw are added to the set `drawn`, if given."""
    text = subprocess.run(
        [crescu, "measure", "--root", root, "--compare"],
        check=True, capture_output=True, text=True,
    ).stdout
    rows, seen = {}, {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 8 or not re.fullmatch(r"[0-9.]+", cells[4]):
            continue
        m = ROW.fullmatch(cells[5])
        if m and (old_gil or not cells[1].startswith("old-")):
            # A simulation with explore sliders repeats its labels once per setting.
            base = tuple(cells[1:4])
            seen[base] = seen.get(base, 0) + 1
            key = base if seen[base] == 1 else base + (seen[base],)
            rows[key] = (float(cells[4]),) + tuple(map(float, m.groups()))
            if drawn is not None and len(cells) > 9 and cells[8] == "yes":
                drawn.add(key)
    out = subprocess.run(
        ["grep", "-rhm1", "python:", root + "/content"], capture_output=True, text=True
    ).stdout.split()
    return rows, out[1] if len(out) > 1 else root


def apart(a, b):
    """Medians outside each other's ranges and more than 30% apart."""
    outside = not (b[2] <= a[1] <= b[3]) and not (a[2] <= b[1] <= a[3])
    return outside and max(a[1], b[1]) > 1.3 * max(min(a[1], b[1]), 1e-9)


def take_crescu(args):
    """The `--crescu PATH` option, taken out of args, or the release build."""
    if "--crescu" not in args:
        return "target/release/crescu"
    i = args.index("--crescu")
    crescu = args[i + 1]
    del args[i : i + 2]
    return crescu


def main(args):
    crescu = take_crescu(args)
    show_all = "--all" in args
    roots = [a for a in args if a != "--all"]
    measured = [compared(crescu, r) for r in roots]
    names = [v for _, v in measured]
    print("| simulation | run | figure | " + " | ".join(names) + " | simulated |")
    print("|---|---|---|" + "---:|" * (len(names) + 1))
    for key, first in measured[0][0].items():
        cols = [rows.get(key) for rows, _ in measured]
        if any(c is None for c in cols):
            continue
        marked = any(apart(a, b) for i, a in enumerate(cols) for b in cols[i + 1 :])
        if not (show_all or marked or "latency" in key[2]):
            continue
        cells = [f"{c[1]:g} ({c[2]:g}–{c[3]:g})" for c in cols]
        if marked:
            cells = [f"**{c}**" for c in cells]
        print(f"| {' | '.join(key)} | " + " | ".join(cells) + f" | {first[0]:g} |")


if __name__ == "__main__":
    main(sys.argv[1:])
