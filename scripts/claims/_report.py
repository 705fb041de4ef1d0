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
        print("WARNING: the load average is high (it also counts earlier runs of these "
              "scripts); make sure nothing else is running, or thread timings will "
              "depend on it")


def spread(values, fmt):
    """'median X (min-max A-B)' for interleaved repetitions, each formatted with fmt."""
    return (f"median {format(statistics.median(values), fmt)} "
            f"(min-max {format(min(values), fmt)}-{format(max(values), fmt)})")
