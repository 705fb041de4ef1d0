"""Shared output helpers for the claim scripts in this folder (not a claim itself)."""

import os
import statistics
import sys


def machine(extra=""):
    """One line naming the interpreter, the cores and the 1-minute load average."""
    line = (f"CPython {sys.version.split()[0]}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.2f} (1 min)")
    print(f"{line}, {extra}" if extra else line)
    if os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print("WARNING: other programs are using the CPU; thread timings measured now "
              "depend on them (run again on an idle machine)")


def spread(values, fmt):
    """'median X (min-max A-B)' for interleaved repetitions, each formatted with fmt."""
    return (f"median {format(statistics.median(values), fmt)} "
            f"(min-max {format(min(values), fmt)}-{format(max(values), fmt)})")
